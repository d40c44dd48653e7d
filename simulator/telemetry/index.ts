/** simulator/telemetry: metrics, RunResult, exports (traces, access logs, Prometheus) and reports. */
export * from './types.ts';
export {
  LatencyHistogram,
  MAX_TRACKABLE_US,
  ISTIO_DURATION_BUCKETS_MS,
  emptySummary,
  round3,
} from './histogram.ts';
export { Recorder, edgeKey, causeIndex, type RecorderOutput, type RecorderOptions } from './recorder.ts';
export { canonicalJson, canonicalNumber, resultHash, sha256Hex, type CanonicalOptions } from './hash.ts';
export {
  toOtlpJson,
  toJaegerJson,
  traceIdHex,
  spanIdHex,
  unixNanos,
  unixMicros,
  isErrorSpan,
  EXPORT_EPOCH_MS,
  type OtlpTracesData,
  type OtlpSpan,
  type OtlpKeyValue,
  type OtlpAnyValue,
  type JaegerDocument,
  type JaegerTrace,
  type JaegerSpan,
  type JaegerTag,
} from './traces.ts';
export {
  formatAccessLog,
  requestIdFor,
  envoyTime,
  envoyOutcome,
  ENVOY_OUTCOMES,
  type AccessLogEntry,
  type EnvoyOutcome,
} from './access-log.ts';
export {
  toPrometheusText,
  escapeLabelValue,
  escapeHelp,
  formatSampleValue,
  type PrometheusOptions,
} from './prometheus.ts';
export {
  renderText,
  fmtInt,
  fmtPct,
  fmtMs,
  fmtDuration,
  fmtClock,
  health,
  topCauses,
  type TextReportOptions,
} from './report-text.ts';
export { renderHtml, type HtmlReportOptions } from './report-html.ts';
export * from './verdict.ts';
export * from './narrative.ts';
