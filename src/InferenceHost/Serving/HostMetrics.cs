using Prometheus;

namespace Cltool.InferenceHost.Serving;

/// <summary>
/// Prometheus metrics named after Triton's nv_inference_* family (so existing dashboards read them), plus histograms
/// of queue time, compute time and batch size, labelled like Triton's by model and version. One registry per server, so
/// several servers in one process stay apart.
/// </summary>
public sealed class HostMetrics
{
    static readonly string[] ModelVersion = ["model", "version"];

    public HostMetrics()
    {
        Registry = Metrics.NewCustomRegistry();
        MetricFactory factory = Metrics.WithCustomRegistry(Registry);
        Success = factory.CreateCounter("nv_inference_request_success", "Inference requests answered successfully.", ModelVersion);
        Failure = factory.CreateCounter("nv_inference_request_failure", "Inference requests that failed, by reason.", "model", "version", "reason");
        Images = factory.CreateCounter("nv_inference_count", "Images inferred (a batch of n counts n).", ModelVersion);
        Executions = factory.CreateCounter("nv_inference_exec_count", "Batches run; average batch size = nv_inference_count / this.", ModelVersion);
        Pending = factory.CreateGauge("nv_inference_pending_request_count", "Requests waiting in the batching queue.", ModelVersion);
        InFlight = factory.CreateGauge("cltool_inference_in_flight_requests", "Inference requests being processed (HTTP and gRPC).", ModelVersion);
        QueueMicroseconds = factory.CreateCounter("nv_inference_queue_duration_us", "Cumulative time requests waited in the queue, microseconds.", ModelVersion);
        ComputeMicroseconds = factory.CreateCounter("nv_inference_compute_infer_duration_us", "Cumulative time spent running batches, microseconds.", ModelVersion);
        RequestMicroseconds = factory.CreateCounter("nv_inference_request_duration_us", "Cumulative end-to-end time of inference requests, microseconds.", ModelVersion);
        QueueSeconds = factory.CreateHistogram("cltool_inference_queue_seconds", "Time a request waited for its batch.",
            new HistogramConfiguration { LabelNames = ModelVersion, Buckets = Histogram.ExponentialBuckets(0.0001, 2, 16) });
        ComputeSeconds = factory.CreateHistogram("cltool_inference_compute_seconds", "Time one batch took to run.",
            new HistogramConfiguration { LabelNames = ModelVersion, Buckets = Histogram.ExponentialBuckets(0.0005, 2, 14) });
        BatchSize = factory.CreateHistogram("cltool_inference_batch_size", "Images per batch run.",
            new HistogramConfiguration { LabelNames = ModelVersion, Buckets = Histogram.LinearBuckets(1, 1, 64) });
        Provider = factory.CreateGauge("cltool_execution_provider", "The execution provider serving the model (value 1).", "model", "version", "provider");
    }

    public CollectorRegistry Registry { get; }
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

    /// <summary>The labels of one served version.</summary>
    public static string[] Labels(string model, long version) => [model, version.ToString()];

    /// <summary>Marks the provider a version runs on; a stopped version's series are removed.</summary>
    public void Served(ServedVersion served) =>
        Provider.WithLabels(served.Model, served.Version.ToString(), served.Session.ExecutionProvider).Set(1);

    public void Stopped(ServedVersion served) =>
        Provider.RemoveLabelled(served.Model, served.Version.ToString(), served.Session.ExecutionProvider);
}
