// Everything a site may want to change, in one place: import the mixin and
// override fields of _config (see README.md beside this file).
{
  _config+:: {
    // Matches the exporter's scrape targets in every rule and panel. Keep it
    // to equality matchers: Accept4ExporterTargetMissing's absent() copies
    // them onto its alert.
    accept4Selector: 'job="accept4"',

    // Where the runbook lives; %s is the section of the alert, the alert
    // name in lower case (a Markdown heading's anchor).
    runbookURLPattern: 'https://github.com/accept4-exporter/accept4_exporter/blob/main/docs/runbook.md#%s',
    // Links on the dashboard.
    docsURL: 'https://github.com/accept4-exporter/accept4_exporter/blob/main/docs/metrics.md',
    runbookURL: 'https://github.com/accept4-exporter/accept4_exporter/blob/main/docs/runbook.md',

    // Window of the rates the alerts and recording rules are built on.
    rateWindow: '5m',

    // A blocking listener that an epoll set watches: the alert stays for
    // this long after the last such accept: a hazard, not yet an outage.
    blockingEpollWindow: '1h',

    // A thread inside accept on a blocking listener that epoll watches
    // for longer than this: the event loop is stalled.
    eventLoopStallSeconds: 10,
    // A thread inside accept on a blocking listener of a process that
    // makes SOCK_NONBLOCK connections, with no epoll registration seen,
    // for longer than this: probably a hung loop (poll/select loops, or a
    // dedicated acceptor thread that is simply idle; see the runbook).
    acceptLoopHungSeconds: 300,

    // EAGAIN busy-spin: share of a process's calls that fail with EAGAIN,
    // and the EAGAIN rate (per second) above which it wastes a CPU.
    busySpinEagainRatio: 0.95,
    busySpinEagainPerSecond: 100,
    busySpinFor: '10m',

    // Thundering herd: at least this many processes of one command on one
    // listener, each with more than herdEagainRatio of its calls EAGAIN,
    // and together more than herdEagainPerSecond EAGAIN a second.
    herdMinProcesses: 4,
    herdEagainRatio: 0.8,
    herdEagainPerSecond: 10,
    herdFor: '10m',

    // EMFILE/ENFILE: an alert stays this long after the last failure.
    fdExhaustionWindow: '10m',

    // Mean listen queue length over the limit, when accept is called.
    backlogFillRatio: 0.5,
    backlogFor: '10m',

    // p99 of accept on a non-blocking listener, in seconds. A bucket bound
    // at both resolutions of the exporter's histograms (2^20 ns, about
    // 1 ms), so that the alert means exactly "more than 1% of the calls took
    // longer": between bounds, histogram_quantile interpolates.
    slowNonblockingSeconds: 0.001048576,
    slowNonblockingFor: '10m',

    // Exporter health.
    exporterDownFor: '5m',
    exporterMissingFor: '15m',
    exporterStaleSeconds: 120,
    overflowWindow: '15m',
    configReloadFor: '5m',

    // Dashboards.
    dashboardTags: ['accept4'],
    dashboardRefresh: '30s',
    dashboardTimeFrom: 'now-1h',
    topK: 10,
  },
}
