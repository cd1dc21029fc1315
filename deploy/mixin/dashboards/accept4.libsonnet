// The accept4 dashboard: a fleet overview, then accepts, calls in
// progress, time in accept, listeners and the exporter itself. Every query
// matches $job and $instance, and every legend starts with the host.
local panels = import '../lib/panels.libsonnet';
local target = panels.target;

{
  grafanaDashboards+:: {
    local config = $._config,
    local host = 'job=~"$job", instance=~"$instance"',
    // Workload series; pid and port match everything, absent labels
    // included, while their variables are All.
    local proc = host + ', comm=~"$comm", pid=~"$pid", port=~"$port"',
    local procMatch(extra='') = '{%s%s}' % [proc, if extra == '' then '' else ', ' + extra],
    local hostMatch = '{%s}' % host,
    local processBy = 'job, instance, comm, pid',
    local processLegend = '{{instance}} {{comm}} {{pid}}',
    local ri = '$__rate_interval',

    // Accepted connections: calls minus failed calls, per label set `by`.
    local accepted(by) = |||
      sum by (%(by)s) (rate(accept4_calls_total%(m)s[%(ri)s]))
        -
      (sum by (%(by)s) (rate(accept4_errors_total%(m)s[%(ri)s])) or sum by (%(by)s) (rate(accept4_calls_total%(m)s[%(ri)s])) * 0)
    ||| % { by: by, m: procMatch(), ri: ri },

    local variable(name, label, query, allValue, hide=0) = {
      name: name,
      label: label,
      type: 'query',
      datasource: { type: 'prometheus', uid: '${datasource}' },
      query: { query: query, refId: name },
      definition: query,
      refresh: 2,
      includeAll: true,
      multi: true,
      allValue: allValue,
      current: { selected: true, text: ['All'], value: ['$__all'] },
      sort: 1,
      hide: hide,
    },

    local sections = [
      {
        row: panels.row('Overview'),
        width: 3,
        height: 4,
        panels: [
          panels.stat('Hosts', 'Exporters that answer scrapes (up == 1).', 'short',
                      'count(up%s == 1)' % hostMatch),
          panels.stat('Processes', 'Processes with accept call series (per host and pid).', 'short',
                      'count(group by (%s) (rate(accept4_calls_total%s[%s])))' % [processBy, procMatch(), ri]),
          panels.stat('Accepts / s', 'Connections accepted per second, all selected hosts together.', 'ops',
                      'sum(rate(accept4_calls_total%(m)s[%(ri)s])) - (sum(rate(accept4_errors_total%(m)s[%(ri)s])) or vector(0))' % { m: procMatch(), ri: ri }),
          panels.stat('Errors / s', 'Accept calls that failed per second (EAGAIN included).', 'ops',
                      'sum(rate(accept4_errors_total%s[%s])) or vector(0)' % [procMatch(), ri]),
          panels.stat('Threads inside accept now', 'Threads inside accept or accept4 at the latest poll.', 'short',
                      'sum(accept4_inflight_calls%s) or vector(0)' % procMatch()),
          panels.stat('Oldest call in progress', 'How long the longest call still inside accept has been there.', 's',
                      'max(accept4_inflight_oldest_seconds%s)' % procMatch()),
          panels.stat('Blocking listeners in epoll', 'Processes that accepted on a blocking listener an epoll set watches: an event loop that can stall in accept (Accept4BlockingListenerWatchedByEpoll).', 'short',
                      'count(group by (%s) (rate(accept4_calls_total%s[%s]))) or vector(0)' % [processBy, procMatch('listener="blocking", readiness="epoll"'), ri]),
          panels.stat('Exporter map fill', 'Fullest series map of the selected exporters; calls that find it full lose their process.', 'percentunit',
                      'max(accept4_exporter_map_entries%s / accept4_exporter_map_capacity%s)' % [hostMatch, hostMatch]),
        ],
      },
      {
        row: panels.row('Accepts'),
        width: 12,
        height: 8,
        panels: [
          panels.table('Top processes by accept calls / s', 'The %d processes with the most accept calls per second (successful or not).' % config.topK, 'ops',
                       'topk(%d, sum by (%s) (rate(accept4_calls_total%s[%s])))' % [config.topK, processBy, procMatch(), ri]),
          panels.table('Top processes by failed accepts / s', 'The %d processes and errnos with the most failed accept calls per second.' % config.topK, 'ops',
                       'topk(%d, sum by (%s, errno) (rate(accept4_errors_total%s[%s])))' % [config.topK, processBy, procMatch(), ri]),
          panels.timeseries('Connections accepted / s', 'Successful accept calls per second, per process.', 'ops',
                            [target(accepted(processBy), processLegend)], min=0),
          panels.timeseries('Failed accepts / s by errno', 'Failed accept calls per second, per process and errno. EMFILE/ENFILE: out of file descriptors; EAGAIN: nothing to accept on a non-blocking listener.', 'ops',
                            [target('sum by (%s, errno) (rate(accept4_errors_total%s[%s]))' % [processBy, procMatch(), ri], processLegend + ' {{errno}}')], min=0),
          panels.timeseries('EAGAIN share of calls', 'Share of calls that found nothing to accept. About 50% for an event loop that accepts until EAGAIN; near 100% at a high rate is a busy-spin or a thundering herd.', 'percentunit',
                            [target('sum by (%(by)s, listener) (rate(accept4_errors_total%(e)s[%(ri)s])) / sum by (%(by)s, listener) (rate(accept4_calls_total%(m)s[%(ri)s]))' % { by: processBy, e: procMatch('errno="EAGAIN"'), m: procMatch(), ri: ri }, processLegend + ' {{listener}}')], min=0),
          panels.timeseries('Calls / s by listener, readiness and flags', 'listener: whether the listening socket blocks; readiness: whether an epoll set watches it; flags: the accept4 flags of the new socket.', 'ops',
                            [target('sum by (%s, listener, readiness, flags) (rate(accept4_calls_total%s[%s]))' % [processBy, procMatch(), ri], processLegend + ' {{listener}} {{readiness}} {{flags}}')], min=0),
        ],
      },
      {
        row: panels.row('Calls in progress'),
        width: 8,
        height: 8,
        panels: [
          panels.timeseries('Threads inside accept', 'Threads inside accept or accept4 at each poll, per process and listener. A thread-per-connection server or a dedicated acceptor thread sits here normally; an event loop never should.', 'short',
                            [target('sum by (%s, listener, readiness) (accept4_inflight_calls%s)' % [processBy, procMatch()], processLegend + ' {{listener}} {{readiness}}')], min=0),
          panels.timeseries('Oldest call in progress', 'How long the longest call still inside accept has been there. On a blocking listener that epoll watches, anything above a few milliseconds is a stalled event loop (Accept4EventLoopStalledInAccept).', 's',
                            [target('max by (%s, listener, readiness) (accept4_inflight_oldest_seconds%s)' % [processBy, procMatch()], processLegend + ' {{listener}} {{readiness}}')], log=true),
          panels.timeseries('Accepts / s on blocking listeners that epoll watches', 'The hazard before the hang, per process and listener: a stale readiness event makes such an accept block the event loop. Should be empty.', 'ops',
                            [target('sum by (%s, port) (rate(accept4_calls_total%s[%s]))' % [processBy, procMatch('listener="blocking", readiness="epoll"'), ri], processLegend + ' port {{port}}')], min=0),
        ],
      },
      {
        row: panels.row('Time in accept'),
        width: 12,
        height: 8,
        panels: [
          panels.timeseries('p99 time in accept', '99th percentile of the time from syscall entry to exit, per process and listener mode (log axis: microseconds to seconds).', 's',
                            [target('histogram_quantile(0.99, sum by (%s, listener, le) (rate(accept4_duration_seconds_bucket%s[%s])))' % [processBy, procMatch(), ri], processLegend + ' {{listener}}')], log=true),
          panels.timeseries('Threads waiting in accept (from completed calls)', 'Seconds spent in accept per second by the calls that returned: 1 means a thread was waiting there all the time.', 'short',
                            [target('sum by (%s, listener) (rate(accept4_duration_seconds_sum%s[%s]))' % [processBy, procMatch(), ri], processLegend + ' {{listener}}')], min=0),
          panels.heatmap('Time in accept: blocking listeners', 'Duration of accept calls on blocking listeners (waiting for a client is normal here).', 's',
                         'sum by (le) (increase(accept4_duration_seconds_bucket%s[%s]))' % [procMatch('listener="blocking"'), ri]),
          panels.heatmap('Time in accept: non-blocking listeners', 'Duration of accept calls on non-blocking listeners: they never wait for a client, so anything slow is CPU starvation or kernel pressure.', 's',
                         'sum by (le) (increase(accept4_duration_seconds_bucket%s[%s]))' % [procMatch('listener="nonblocking"'), ri]),
        ],
      },
      {
        row: panels.row('Listeners'),
        width: 8,
        height: 8,
        panels: [
          panels.timeseries('Accepts / s by listener port', 'Successful accepts per second per listening port (needs labels.port: true in the exporter config; port 0 otherwise).', 'ops',
                            [target(accepted('job, instance, comm, port, listener'), '{{instance}} {{comm}} port {{port}} {{listener}}')], min=0),
          panels.timeseries('Mean listen queue fill', 'Mean listen queue length when accept is called, over the queue limit. Near 100% the kernel drops or resets connections. Listeners with a limit of 0 (listen(fd, 0)) are left out.', 'percentunit',
                            [target(|||
                              (sum by (%(by)s, port, listener) (rate(accept4_listen_backlog_sum%(m)s[%(ri)s]))
                                / sum by (%(by)s, port, listener) (rate(accept4_listen_backlog_count%(m)s[%(ri)s])))
                              / (max by (%(by)s, port, listener) (accept4_listen_backlog_limit%(m)s) > 0)
                            ||| % { by: processBy, m: procMatch(), ri: ri }, processLegend + ' port {{port}} {{listener}}')], min=0),
          panels.timeseries('p99 listen queue length and limit', 'Connections waiting when accept is called (99th percentile), and the queue limit.', 'short',
                            [
                              target('histogram_quantile(0.99, sum by (%s, port, le) (rate(accept4_listen_backlog_bucket%s[%s])))' % [processBy, procMatch(), ri], processLegend + ' port {{port}} p99'),
                              target('max by (%s, port) (accept4_listen_backlog_limit%s)' % [processBy, procMatch()], processLegend + ' port {{port}} limit'),
                            ], min=0),
        ],
      },
      {
        row: panels.row('Exporter'),
        width: 8,
        height: 7,
        panels: [
          panels.timeseries('Scrape up', 'Whether Prometheus scrapes each exporter (1) or fails to (0).', 'short',
                            [target('up%s' % hostMatch, '{{instance}}')], min=0),
          panels.timeseries('Series map fill', 'Entries of the kernel series map over its size (maps.max_series).', 'percentunit',
                            [target('accept4_exporter_map_entries%s / ignoring (map) group_left accept4_exporter_map_capacity%s' % [hostMatch, hostMatch], '{{instance}} {{map}}')], min=0),
          panels.timeseries('Calls counted in overflow / s', 'Calls that found the series map full, counted without their process under comm="[overflow]".', 'ops',
                            [target('rate(accept4_exporter_overflow_calls_total%s[%s])' % [hostMatch, ri], '{{instance}}')], min=0),
          panels.timeseries('Map read time', 'Time the latest read of the kernel maps took.', 's',
                            [target('accept4_exporter_map_read_duration_seconds%s' % hostMatch, '{{instance}}')], min=0),
          panels.timeseries('Map read age and errors', 'Seconds since the latest successful read of the maps (should stay below the poll interval), and failed reads per second.', 's',
                            [
                              target('time() - accept4_exporter_last_map_read_timestamp_seconds%s' % hostMatch, '{{instance}} age'),
                              target('rate(accept4_exporter_map_read_errors_total%s[%s])' % [hostMatch, ri], '{{instance}} errors / s'),
                            ], min=0),
          panels.timeseries('BPF time per program run', 'Time the kernel spends in each of the exporter\'s BPF programs per run (needs bpf_stats).', 's',
                            [target('sum by (job, instance, program) (rate(accept4_exporter_bpf_program_run_seconds_total%s[%s])) / sum by (job, instance, program) (rate(accept4_exporter_bpf_program_run_count_total%s[%s]))' % [hostMatch, ri, hostMatch, ri], '{{instance}} {{program}}')], min=0),
          panels.table('Exporter versions', 'Version and revision of each exporter, one row per group of hooks it attached and how.', 'short',
                       'accept4_exporter_attach_info%s * on (job, instance) group_left (version, revision) accept4_exporter_build_info%s' % [hostMatch, hostMatch]),
          panels.timeseries('Config reloads', 'Whether the latest config load succeeded (1) or was refused (0).', 'short',
                            [target('accept4_exporter_config_last_reload_successful%s' % hostMatch, '{{instance}}')], min=0),
        ],
      },
    ],

    'accept4.json': {
      title: 'accept4',
      uid: 'accept4-exporter',
      description: 'Accept loops per host and process from accept4_exporter: accepts and errors, calls in progress, time in accept, listen queues, and the exporter itself.',
      tags: config.dashboardTags,
      editable: false,
      graphTooltip: 1,
      schemaVersion: 39,
      version: 1,
      refresh: config.dashboardRefresh,
      time: { from: config.dashboardTimeFrom, to: 'now' },
      timezone: 'utc',
      links: [
        { title: 'Metrics reference', type: 'link', icon: 'doc', url: config.docsURL, targetBlank: true, tooltip: 'docs/metrics.md' },
        { title: 'Runbook', type: 'link', icon: 'doc', url: config.runbookURL, targetBlank: true, tooltip: 'docs/runbook.md: one section per alert' },
      ],
      annotations: {
        list: [
          {
            name: 'Exporter restarts',
            datasource: { type: 'prometheus', uid: '${datasource}' },
            enable: true,
            iconColor: 'orange',
            expr: 'changes(accept4_exporter_start_time_seconds%s[%s]) > 0' % [hostMatch, ri],
            step: '1m',
            titleFormat: 'accept4_exporter restarted',
            textFormat: '{{instance}}',
          },
          {
            name: 'Config reloads',
            datasource: { type: 'prometheus', uid: '${datasource}' },
            enable: true,
            iconColor: 'blue',
            expr: 'changes(accept4_exporter_config_last_reload_success_timestamp_seconds%s[%s]) > 0 unless changes(accept4_exporter_start_time_seconds%s[%s]) > 0' % [hostMatch, ri, hostMatch, ri],
            step: '1m',
            titleFormat: 'accept4_exporter config reloaded',
            textFormat: '{{instance}}',
          },
        ],
      },
      templating: {
        list: [
          {
            name: 'datasource',
            label: 'Data source',
            type: 'datasource',
            query: 'prometheus',
            current: {},
            hide: 0,
            refresh: 1,
          },
          variable('job', 'Job', 'label_values(accept4_exporter_build_info{%s}, job)' % config.accept4Selector, '.+'),
          variable('instance', 'Instance', 'label_values(accept4_exporter_build_info{job=~"$job"}, instance)', '.+'),
          variable('comm', 'Command', 'label_values(accept4_calls_total{%s}, comm)' % host, '.+'),
          // pid and port exist only when the exporter is configured with
          // them: their all-value also matches a missing label.
          variable('pid', 'Process id', 'label_values(accept4_calls_total{%s, comm=~"$comm"}, pid)' % host, '.*'),
          variable('port', 'Listener port', 'label_values(accept4_calls_total{%s, comm=~"$comm"}, port)' % host, '.*'),
        ],
      },
      local laid = panels.layout(sections),
      panels: [laid[i] { id: i + 1 } for i in std.range(0, std.length(laid) - 1)],
    },
  },
}
