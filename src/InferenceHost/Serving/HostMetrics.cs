using Prometheus;

namespace Cltool.InferenceHost.Serving;

/// <summary>
/// Prometheus metrics named after Triton's nv_inference_* family (so existing dashboards read them), plus histograms
/// of queue time, compute time and batch size. One registry per server, so several servers in one process stay apart.
/// </summary>
public sealed class HostMetrics
{
    public HostMetrics(string model)
    {
        Registry = Metrics.NewCustomRegistry();
        MetricFactory factory = Metrics.WithCustomRegistry(Registry);
        Model = model;
        Success = factory.CreateCounter("nv_inference_request_success", "Inference requests answered successfully.", "model");
        Failure = factory.CreateCounter("nv_inference_request_failure", "Inference requests that failed, by reason.", "model", "reason");
        Images = factory.CreateCounter("nv_inference_count", "Images inferred (a batch of n counts n).", "model");
        Executions = factory.CreateCounter("nv_inference_exec_count", "Batches run; average batch size = nv_inference_count / this.", "model");
        Pending = factory.CreateGauge("nv_inference_pending_request_count", "Requests waiting in the batching queue.", "model");
        InFlight = factory.CreateGauge("cltool_inference_in_flight_requests", "HTTP inference requests being processed.", "model");
        QueueMicroseconds = factory.CreateCounter("nv_inference_queue_duration_us", "Cumulative time requests waited in the queue, microseconds.", "model");
        ComputeMicroseconds = factory.CreateCounter("nv_inference_compute_infer_duration_us", "Cumulative time spent running batches, microseconds.", "model");
        RequestMicroseconds = factory.CreateCounter("nv_inference_request_duration_us", "Cumulative end-to-end time of inference requests, microseconds.", "model");
        QueueSeconds = factory.CreateHistogram("cltool_inference_queue_seconds", "Time a request waited for its batch.",
            new HistogramConfiguration { LabelNames = ["model"], Buckets = Histogram.ExponentialBuckets(0.0001, 2, 16) });
        ComputeSeconds = factory.CreateHistogram("cltool_inference_compute_seconds", "Time one batch took to run.",
            new HistogramConfiguration { LabelNames = ["model"], Buckets = Histogram.ExponentialBuckets(0.0005, 2, 14) });
        BatchSize = factory.CreateHistogram("cltool_inference_batch_size", "Images per batch run.",
            new HistogramConfiguration { LabelNames = ["model"], Buckets = Histogram.LinearBuckets(1, 1, 64) });
        Provider = factory.CreateGauge("cltool_execution_provider", "The execution provider serving the model (value 1).", "model", "provider");
    }

    public CollectorRegistry Registry { get; }
    public string Model { get; }
    public Counter Success { get; }
    public Counter Failure { get; }
    public Counter Images { get; }
    public Counter Executions { get; }
    public Gauge Pending { get; }
    public Gauge InFlight { get; }
    public Counter QueueMicroseconds { get; }
    public Counter ComputeMicroseconds { get; }
    public Counter RequestMicroseconds { get; }
    public Histogram QueueSeconds { get; }
    public Histogram ComputeSeconds { get; }
    public Histogram BatchSize { get; }
    public Gauge Provider { get; }

    public void SetProvider(string provider)
    {
        foreach (string[] labels in Provider.GetAllLabelValues()) Provider.WithLabels(labels).Set(0);
        Provider.WithLabels(Model, provider).Set(1);
    }
}
