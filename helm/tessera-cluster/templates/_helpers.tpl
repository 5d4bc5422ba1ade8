{{/* The TesseraCluster's name: clusterName or the release name, at most 40 characters. */}}
{{- define "tessera-cluster.name" -}}
{{- $name := default .Release.Name .Values.clusterName }}
{{- if gt (len $name) 40 }}
{{- fail (printf "the cluster name %q is longer than 40 characters; set clusterName" $name) }}
{{- end }}
{{- $name }}
{{- end }}

{{- define "tessera-cluster.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels every object of this chart carries. */}}
{{- define "tessera-cluster.labels" -}}
helm.sh/chart: {{ include "tessera-cluster.chart" . }}
app.kubernetes.io/name: tessera
app.kubernetes.io/instance: {{ include "tessera-cluster.name" . }}
app.kubernetes.io/version: {{ include "tessera-cluster.version" . | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: tessera
{{- end }}

{{- define "tessera-cluster.version" -}}
{{- .Values.image.tag | default .Chart.AppVersion }}
{{- end }}

{{/* The client Service the operator creates for routers. */}}
{{- define "tessera-cluster.routerService" -}}
{{- printf "%s-router" (include "tessera-cluster.name" .) }}
{{- end }}

{{/* The Secret holding router auth keys, or empty when auth is off. */}}
{{- define "tessera-cluster.authSecret" -}}
{{- if .Values.auth.enabled }}
{{- .Values.auth.existingSecret | default (printf "%s-auth" (include "tessera-cluster.name" .)) }}
{{- end }}
{{- end }}
