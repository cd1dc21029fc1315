// accept4_exporter monitoring mixin: alerts, recording rules and Grafana
// dashboards generated from one _config (config.libsonnet).
(import 'config.libsonnet')
+ (import 'rules.libsonnet')
+ (import 'alerts.libsonnet')
+ (import 'dashboards/dashboards.libsonnet')
