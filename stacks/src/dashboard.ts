// A CloudWatch dashboard from a list of widgets, laid out two per row, with small helpers for the
// widget JSON (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html).
// The body is plain JSON with literal names, so tests read it without a plan.
import { CloudwatchDashboard } from "@cdktf/provider-aws/lib/cloudwatch-dashboard";
import { Construct } from "constructs";

/** One metric line: namespace, name, dimensions, and how to draw it. */
export interface MetricLine {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly stat: string;
  readonly label?: string;
  /** Draw on the right axis. */
  readonly right?: boolean;
}

export interface Widget {
  readonly type: "metric" | "alarm" | "text";
  /** 1-24; default 12 (two per row). */
  readonly width?: number;
  readonly height?: number;
  readonly properties: Record<string, unknown>;
}

export interface MetricWidgetOptions {
  readonly title: string;
  readonly region: string;
  readonly lines: readonly MetricLine[];
  readonly period?: number;
  /** Horizontal lines, e.g. an alarm threshold. */
  readonly thresholds?: readonly { label: string; value: number; yAxis?: "left" | "right" }[];
  readonly leftLabel?: string;
  readonly rightLabel?: string;
}

export function metricWidget(o: MetricWidgetOptions): Widget {
  return {
    type: "metric",
    properties: {
      title: o.title,
      region: o.region,
      view: "timeSeries",
      stacked: false,
      period: o.period ?? 300,
      metrics: o.lines.map((l) => [
        l.namespace,
        l.metricName,
        ...Object.entries(l.dimensions).flat(),
        { stat: l.stat, ...(l.label ? { label: l.label } : {}), ...(l.right ? { yAxis: "right" } : {}) },
      ]),
      yAxis: {
        left: { min: 0, ...(o.leftLabel ? { label: o.leftLabel, showUnits: false } : {}) },
        ...(o.rightLabel ? { right: { min: 0, label: o.rightLabel, showUnits: false } } : {}),
      },
      ...(o.thresholds?.length ? { annotations: { horizontal: o.thresholds } } : {}),
    },
  };
}

export function alarmWidget(title: string, alarmArns: readonly string[]): Widget {
  return {
    type: "alarm",
    width: 24,
    height: 2 + Math.ceil(alarmArns.length / 4) * 2,
    properties: { title, alarms: [...alarmArns], sortBy: "stateUpdatedTimestamp" },
  };
}

export function textWidget(markdown: string): Widget {
  return { type: "text", width: 24, height: 2, properties: { markdown } };
}

/** The dashboard body: widgets placed left to right, top to bottom, on CloudWatch's 24-column grid. */
export function dashboardBody(widgets: readonly Widget[]): { widgets: Record<string, unknown>[] } {
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  const placed = widgets.map((w) => {
    const width = w.width ?? 12;
    const height = w.height ?? 6;
    if (x + width > 24) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    const out = { type: w.type, x, y, width, height, properties: w.properties };
    x += width;
    rowHeight = Math.max(rowHeight, height);
    return out;
  });
  return { widgets: placed };
}

export interface DashboardProps {
  readonly name: string;
  readonly widgets: readonly Widget[];
}

export class Dashboard extends Construct {
  readonly dashboardName: string;
  /** The body as an object (what `dashboard_body` holds as JSON). */
  readonly body: { widgets: Record<string, unknown>[] };

  constructor(scope: Construct, id: string, props: DashboardProps) {
    super(scope, id);
    this.body = dashboardBody(props.widgets);
    new CloudwatchDashboard(this, "dashboard", {
      dashboardName: props.name,
      dashboardBody: JSON.stringify(this.body),
    });
    this.dashboardName = props.name;
  }
}
