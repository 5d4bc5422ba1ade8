/** The metrics catalogue and its registration into prom-client. See README.md. */
export * from './catalogue.js';
export * from './register.js';
