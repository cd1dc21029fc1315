// Every dashboard of the mixin, by file name.
(import 'accept4.libsonnet')
