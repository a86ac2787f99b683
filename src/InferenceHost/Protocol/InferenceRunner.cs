using System.Diagnostics;
using Cltool.InferenceHost.Serving;

namespace Cltool.InferenceHost.Protocol;

/// <summary>
/// The one path every inference takes, whichever protocol brought it: decode the request for the version it leased,
/// queue the images on the version's batcher under the request timeout, count the outcome (Prometheus and the version's
/// statistics), and turn a full queue or a timeout into the status the client gets.
/// </summary>
public sealed class InferenceRunner(ServeOptions options, HostMetrics metrics)
{
    /// <summary>Decodes a request for <paramref name="served"/>; a request it refuses counts as a failed inference (reason OTHER, as Triton).</summary>
    public T Decode<T>(ServedVersion served, Func<T> decode)
    {
        long started = Stopwatch.GetTimestamp();
        try
        {
            return decode();
        }
        catch (HostError)
        {
            metrics.Failure.WithLabels([.. HostMetrics.Labels(served.Model, served.Version), "OTHER"]).Inc();
            served.Batcher.Statistics.Failed(Stopwatch.GetElapsedTime(started));
            throw;
        }
    }

    public async Task<InferenceResult> RunAsync(ServedVersion served, float[] pixels, int count, CancellationToken aborted)
    {
        string[] labels = HostMetrics.Labels(served.Model, served.Version);
        long started = Stopwatch.GetTimestamp();
        bool succeeded = false;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        timeout.CancelAfter(options.RequestTimeoutMs);
        metrics.InFlight.WithLabels(labels).Inc();
        try
        {
            InferenceResult result = await served.Batcher.SubmitAsync(pixels, count, timeout.Token);
            metrics.Success.WithLabels(labels).Inc();
            succeeded = true;
            return result;
        }
        catch (QueueFullException error)
        {
            metrics.Failure.WithLabels([.. labels, "REJECTED"]).Inc();
            throw new HostError(StatusCodes.Status503ServiceUnavailable, error.Message, retryAfterSeconds: 1);
        }
        catch (OperationCanceledException) when (!aborted.IsCancellationRequested)
        {
            metrics.Failure.WithLabels([.. labels, "TIMEOUT"]).Inc();
            throw new HostError(StatusCodes.Status504GatewayTimeout, $"the request did not finish within {options.RequestTimeoutMs} ms.");
        }
        catch (OperationCanceledException)
        {
            metrics.Failure.WithLabels([.. labels, "CANCELED"]).Inc();
            throw;
        }
        finally
        {
            metrics.InFlight.WithLabels(labels).Dec();
            TimeSpan took = Stopwatch.GetElapsedTime(started);
            metrics.RequestMicroseconds.WithLabels(labels).Inc(took.TotalMicroseconds);
            if (succeeded) served.Batcher.Statistics.Succeeded(took);
            else served.Batcher.Statistics.Failed(took);
        }
    }
}
