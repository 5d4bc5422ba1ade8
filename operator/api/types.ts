/**
 * The TesseraCluster custom resource (`tessera.dev/v1alpha1`) as TypeScript types, its
 * defaults, and the names every other part of the operator agrees on.
 *
 * The CRD's OpenAPI schema lives in helm/tessera-operator/crds/; a test checks that the
 * samples here and there agree.
 */

/** API group of Tessera's custom resources. */
export const apiGroup = 'tessera.dev';
/** API version of TesseraCluster. */
export const apiVersionName = 'v1alpha1';
/** `apiVersion` field value of a TesseraCluster. */
export const clusterApiVersion = `${apiGroup}/${apiVersionName}`;
/** `kind` of the resource. */
export const clusterKind = 'TesseraCluster';
/** Plural resource name, used in URLs. */
export const clusterPlural = 'tesseraclusters';
/** Finalizer the operator puts on every TesseraCluster so deletion cleans up volumes. */
export const clusterFinalizer = 'tessera.dev/cleanup';
/** Longest cluster name whose derived names (`<name>-storage-<ordinal>`, revision labels) fit 63 characters. */
export const clusterNameLengthMax = 40;

/** Default ports, shared with the services. */
export const ports = {
  routerHttp: 8000,
  routerGrpc: 8001,
  storageGrpc: 7100,
  controlGrpc: 7000,
  admin: 9090,
} as const;

/** CPU and memory requests and limits, as Kubernetes quantities. */
export interface ResourceRequirements {
  requests?: Record<string, string>;
  limits?: Record<string, string>;
}

/** What happens to storage volumes when the cluster shrinks or is deleted. */
export interface PvcRetentionPolicy {
  /** `Delete` (default) removes a drained node's volume; `Retain` keeps it until its ordinal is needed again. */
  whenScaled?: 'Delete' | 'Retain';
  /** `Retain` (default) keeps volumes after the TesseraCluster is deleted; `Delete` removes them. */
  whenDeleted?: 'Delete' | 'Retain';
}

/** Spreading pods over zones. */
export interface TopologySpec {
  /** Zones to run in (values of `topology.kubernetes.io/zone`); empty means anywhere. */
  zones?: string[];
  /** Node label to spread over; defaults to `topology.kubernetes.io/zone`. */
  topologyKey?: string;
  /** Largest allowed difference of pod counts between two domains. */
  maxSkew?: number;
  /** `ScheduleAnyway` (default) or `DoNotSchedule`. */
  whenUnsatisfiable?: 'ScheduleAnyway' | 'DoNotSchedule';
}

/** The desired state of a TesseraCluster. */
export interface TesseraClusterSpec {
  /** Container image repository; the tag is `version`. */
  image?: string;
  /** Tessera version, used as the image tag. Changing it starts a rolling upgrade. */
  version: string;
  imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
  /** Replicas per partition. Immutable. */
  replicationFactor?: number;
  storage: {
    replicas: number;
    /** Volume size per storage node. Immutable. */
    size?: string;
    /** StorageClass of the volumes; empty means the cluster default. Immutable. */
    storageClassName?: string;
    resources?: ResourceRequirements;
  };
  router?: {
    replicas?: number;
    resources?: ResourceRequirements;
    /**
     * Secret whose key `authKeys` holds `ACCESS_KEY_ID:SECRET` pairs, comma-separated.
     * When set, routers accept only requests signed (SigV4) by one of them.
     */
    authSecretName?: string;
  };
  controlPlane?: { replicas?: number; resources?: ResourceRequirements };
  topology?: TopologySpec;
  pvcRetentionPolicy?: PvcRetentionPolicy;
  monitoring?: { serviceMonitor?: boolean; scrapeInterval?: string };
  /** Log level of every service. */
  logLevel?: 'trace' | 'debug' | 'info' | 'warn' | 'error';
}

/** One status condition, as in `metav1.Condition`. */
export interface Condition {
  type: ConditionType;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  observedGeneration?: number;
  lastTransitionTime: string;
}

/** The condition types the operator maintains. */
export type ConditionType = 'Ready' | 'Progressing' | 'Degraded';

/** Observed state, written only by the operator. */
export interface TesseraClusterStatus {
  observedGeneration?: number;
  /** Storage pods that exist (the scale subresource's status replicas). */
  replicas?: number;
  readyReplicas?: number;
  /** Label selector of the storage pods, for the scale subresource and HPAs. */
  labelSelector?: string;
  /** Version every storage pod runs, once an upgrade has finished. */
  currentVersion?: string;
  /** Storage nodes being drained before a scale-down. */
  drainingNodes?: string[];
  phase?: string;
  conditions?: Condition[];
}

/** Metadata fields the operator reads. */
export interface ObjectMeta {
  name: string;
  namespace: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  deletionTimestamp?: string | Date;
  finalizers?: string[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** A TesseraCluster as read from the API server. */
export interface TesseraCluster {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec: TesseraClusterSpec;
  status?: TesseraClusterStatus;
}

/** A spec with every default filled in: what builders and the reconciler work from. */
export interface ResolvedSpec {
  image: string;
  version: string;
  imagePullPolicy: 'Always' | 'IfNotPresent' | 'Never';
  replicationFactor: number;
  storage: {
    replicas: number;
    size: string;
    storageClassName?: string;
    resources: ResourceRequirements;
  };
  router: { replicas: number; resources: ResourceRequirements; authSecretName?: string };
  controlPlane: { replicas: number; resources: ResourceRequirements };
  topology: Required<Omit<TopologySpec, 'zones'>> & { zones: string[] };
  pvcRetentionPolicy: Required<PvcRetentionPolicy>;
  monitoring: { serviceMonitor: boolean; scrapeInterval: string };
  logLevel: string;
}

/** Default image repository. */
export const defaultImage = 'ghcr.io/tessera-db/tessera';

/** Fills in every default of a spec (the same defaults the CRD schema declares). */
export function resolveSpec(spec: TesseraClusterSpec): ResolvedSpec {
  return {
    image: spec.image ?? defaultImage,
    version: spec.version,
    imagePullPolicy: spec.imagePullPolicy ?? 'IfNotPresent',
    replicationFactor: spec.replicationFactor ?? 3,
    storage: {
      replicas: spec.storage.replicas,
      size: spec.storage.size ?? '10Gi',
      ...(spec.storage.storageClassName ? { storageClassName: spec.storage.storageClassName } : {}),
      resources: spec.storage.resources ?? {},
    },
    router: {
      replicas: spec.router?.replicas ?? 2,
      resources: spec.router?.resources ?? {},
      ...(spec.router?.authSecretName ? { authSecretName: spec.router.authSecretName } : {}),
    },
    controlPlane: {
      replicas: spec.controlPlane?.replicas ?? 3,
      resources: spec.controlPlane?.resources ?? {},
    },
    topology: {
      zones: spec.topology?.zones ?? [],
      topologyKey: spec.topology?.topologyKey ?? 'topology.kubernetes.io/zone',
      maxSkew: spec.topology?.maxSkew ?? 1,
      whenUnsatisfiable: spec.topology?.whenUnsatisfiable ?? 'ScheduleAnyway',
    },
    pvcRetentionPolicy: {
      whenScaled: spec.pvcRetentionPolicy?.whenScaled ?? 'Delete',
      whenDeleted: spec.pvcRetentionPolicy?.whenDeleted ?? 'Retain',
    },
    monitoring: {
      serviceMonitor: spec.monitoring?.serviceMonitor ?? true,
      scrapeInterval: spec.monitoring?.scrapeInterval ?? '15s',
    },
    logLevel: spec.logLevel ?? 'info',
  };
}
