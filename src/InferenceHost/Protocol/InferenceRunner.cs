using System.Diagnostics;
using Cltool.InferenceHost.Serving;

namespace Cltool.InferenceHost.Protocol;

/// <summary>
/// The one path every inference takes, whichever protocol brought it: queue the images on the version's batcher under
/// the request timeout, count the outcome, and turn a full queue or a timeout into the status the client gets.
/// </summary>
public sealed class InferenceRunner(ServeOptions options, HostMetrics metrics)
{
    public async Task<InferenceResult> RunAsync(ServedVersion served, float[] pixels, int count, CancellationToken aborted)
    {
        string[] labels = HostMetrics.Labels(served.Model, served.Version);
        long started = Stopwatch.GetTimestamp();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        timeout.CancelAfter(options.RequestTimeoutMs);
        metrics.InFlight.WithLabels(labels).Inc();
        try
        {
            InferenceResult result = await served.Batcher.SubmitAsync(pixels, count, timeout.Token);
            metrics.Success.WithLabels(labels).Inc();
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
            metrics.RequestMicroseconds.WithLabels(labels).Inc(Stopwatch.GetElapsedTime(started).TotalMicroseconds);
        }
    }
}
