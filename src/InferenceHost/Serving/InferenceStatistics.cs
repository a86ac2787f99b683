namespace Cltool.InferenceHost.Serving;

/// <summary>
/// Triton's statistics extension for one served version, counted as Triton counts: per request its outcome (success or
/// fail, with its whole duration) and its queue time; per execution the images it inferred, and the batch's input,
/// infer and output times, added once per request in the batch to the request totals and once to the batch size's row.
/// A new version starts from zero, as in Triton after a load.
/// </summary>
public sealed class InferenceStatistics
{
    /// <summary>A count and its cumulative nanoseconds (Triton's StatisticDuration).</summary>
    public readonly record struct Duration(long Count, long Nanoseconds)
    {
        public Duration Add(long count, TimeSpan each) => new(Count + count, Nanoseconds + count * Nanos(each));
    }

    /// <summary>The executions of one batch size.</summary>
    public sealed record Batch(int Size, Duration ComputeInput, Duration ComputeInfer, Duration ComputeOutput);

    /// <summary>What a statistics request reports, read at one moment.</summary>
    public sealed record Snapshot(long LastInferenceMs, long InferenceCount, long ExecutionCount, Duration Success, Duration Fail,
                                  Duration Queue, Duration ComputeInput, Duration ComputeInfer, Duration ComputeOutput, IReadOnlyList<Batch> Batches);

    readonly object _gate = new();
    readonly SortedDictionary<int, Batch> _batches = [];
    long _lastInferenceMs, _inferences, _executions;
    Duration _success, _fail, _queue, _input, _infer, _output;

    public void Succeeded(TimeSpan took) => Outcome(ref _success, took);

    public void Failed(TimeSpan took) => Outcome(ref _fail, took);

    void Outcome(ref Duration outcome, TimeSpan took)
    {
        lock (_gate)
        {
            outcome = outcome.Add(1, took);
            _lastInferenceMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        }
    }

    /// <summary>One execution of <paramref name="images"/> images for <paramref name="queued"/> requests (each one's wait).</summary>
    public void Executed(IReadOnlyList<TimeSpan> queued, int images, TimeSpan input, TimeSpan infer, TimeSpan output)
    {
        lock (_gate)
        {
            int requests = queued.Count;
            foreach (TimeSpan wait in queued) _queue = _queue.Add(1, wait);
            (_input, _infer, _output) = (_input.Add(requests, input), _infer.Add(requests, infer), _output.Add(requests, output));
            _inferences += images;
            _executions++;
            Batch batch = _batches.GetValueOrDefault(images) ?? new Batch(images, default, default, default);
            _batches[images] = batch with
            {
                ComputeInput = batch.ComputeInput.Add(1, input),
                ComputeInfer = batch.ComputeInfer.Add(1, infer),
                ComputeOutput = batch.ComputeOutput.Add(1, output),
            };
        }
    }

    public Snapshot Read()
    {
        lock (_gate)
            return new Snapshot(_lastInferenceMs, _inferences, _executions, _success, _fail, _queue, _input, _infer, _output, [.. _batches.Values]);
    }

    static long Nanos(TimeSpan span) => span.Ticks * 100;
}
