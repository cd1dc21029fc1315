// A small panel library for the dashboards: only what they use, with the
// defaults every panel needs (the templated datasource, a description, a
// unit), so that a panel cannot be written without them.
local datasource = { type: 'prometheus', uid: '${datasource}' };

local target(expr, legend='', instant=false, format='time_series') = {
  datasource: datasource,
  expr: expr,
  legendFormat: legend,
  [if instant then 'instant']: true,
  [if format != 'time_series' then 'format']: format,
  refId: 'A',
};

// Gives each target its own refId: A, B, ...
local withRefIds(targets) = [
  targets[i] { refId: std.char(std.codepoint('A') + i) }
  for i in std.range(0, std.length(targets) - 1)
];

local base(type, title, description, unit, targets) = {
  type: type,
  title: title,
  description: description,
  datasource: datasource,
  targets: withRefIds(targets),
  fieldConfig: { defaults: { unit: unit }, overrides: [] },
};

{
  target:: target,

  row(title):: {
    type: 'row',
    title: title,
    collapsed: false,
    panels: [],
  },

  stat(title, description, unit, expr):: base('stat', title, description, unit, [target(expr, instant=true)]) {
    options: {
      reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
      colorMode: 'value',
      graphMode: 'none',
      textMode: 'value',
    },
  },

  // `log`: a log2 axis, for durations that span microseconds to seconds.
  timeseries(title, description, unit, targets, log=false, stack=false, min=null):: base('timeseries', title, description, unit, targets) {
    fieldConfig+: {
      defaults+: {
        [if min != null then 'min']: min,
        custom: {
          drawStyle: 'line',
          lineWidth: 1,
          fillOpacity: if stack then 30 else 0,
          showPoints: 'never',
          spanNulls: false,
          stacking: { mode: if stack then 'normal' else 'none', group: 'A' },
          scaleDistribution: if log then { type: 'log', log: 2 } else { type: 'linear' },
        },
      },
    },
    options: {
      legend: { displayMode: 'table', placement: 'bottom', showLegend: true, calcs: ['lastNotNull', 'max'] },
      tooltip: { mode: 'multi', sort: 'desc' },
    },
  },

  // An instant table: one row per series, its labels as columns.
  table(title, description, unit, expr):: base('table', title, description, unit, [target(expr, instant=true, format='table')]) {
    options: { showHeader: true, sortBy: [{ displayName: 'Value', desc: true }] },
    transformations: [
      { id: 'organize', options: { excludeByName: { Time: true }, renameByName: {} } },
    ],
  },

  // Buckets of a histogram (`sum by (le) (increase(..._bucket[...]))`).
  heatmap(title, description, unit, expr):: base('heatmap', title, description, unit, [target(expr, '{{le}}', format='heatmap')]) {
    options: {
      calculate: false,
      yAxis: { unit: unit, axisPlacement: 'left' },
      cellGap: 1,
      color: { mode: 'scheme', scheme: 'Oranges', scale: 'exponential', exponent: 0.5 },
      tooltip: { show: true, yHistogram: true },
      legend: { show: true },
      filterValues: { le: 1e-9 },
    },
  },

  // Places panels on the 24-column grid: each row title starts a new line,
  // panels fill lines of `width` columns and `height` rows.
  layout(sections):: std.foldl(
    function(acc, section)
      local rowY = acc.y;
      local placed = [
        section.panels[i] {
          gridPos: {
            x: (i % (24 / section.width)) * section.width,
            y: rowY + 1 + std.floor(i / (24 / section.width)) * section.height,
            w: section.width,
            h: section.height,
          },
        }
        for i in std.range(0, std.length(section.panels) - 1)
      ];
      local lines = std.ceil(std.length(section.panels) / (24 / section.width));
      {
        y: rowY + 1 + lines * section.height,
        panels: acc.panels + [section.row { gridPos: { x: 0, y: rowY, w: 24, h: 1 } }] + placed,
      },
    sections,
    { y: 0, panels: [] }
  ).panels,
}
