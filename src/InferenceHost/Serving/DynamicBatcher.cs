using System.Diagnostics;
using System.Threading.Channels;

namespace Cltool.InferenceHost.Serving;

/// <summary>
/// Dynamic batching as Triton's dynamic batcher: requests wait in a bounded queue; each instance's worker takes the
/// oldest, gathers more in arrival order for up to the queue delay until the batch holds the largest preferred size (or
/// the max batch), then sends the largest preferred size its first requests make (the rest start the worker's next
/// batch), or everything when none does. The batch runs once on the worker's own session and every request gets its own
/// rows. A request larger than the batch limit runs alone. Answers equal unbatched runs up to float rounding. A worker
/// only waits for company while its previous batch had more than one request (under load): a lone client never pays
/// the delay.
/// </summary>
public sealed class DynamicBatcher : IAsyncDisposable
{
    sealed record Pending(float[] Pixels, int Count, TaskCompletionSource<InferenceResult> Done, long Enqueued, CancellationToken Cancellation);

    readonly Channel<Pending> _queue;
    readonly HostMetrics _metrics;
    readonly string[] _labels;
    readonly int _maxBatch, _target;
    readonly int[] _preferred;
    readonly TimeSpan _maxDelay;
    readonly Task[] _workers;

    /// <summary>Triton's statistics of this version (its batcher sees every execution).</summary>
    public InferenceStatistics Statistics { get; } = new();

    public DynamicBatcher(IReadOnlyList<ModelSession> instances, HostMetrics metrics, string[] labels, ModelSettings settings, int capacity)
    {
        (_metrics, _labels, _maxBatch, _maxDelay) = (metrics, labels, settings.MaxBatch, TimeSpan.FromMicroseconds(settings.MaxQueueDelayMicroseconds));
        _preferred = settings.PreferredBatchSizes.OrderDescending().ToArray();
        _target = _preferred.Length > 0 ? _preferred[0] : _maxBatch;
        _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(capacity) { SingleReader = instances.Count == 1, FullMode = BoundedChannelFullMode.Wait });
        _workers = instances.Select(session => Task.Run(() => WorkAsync(session))).ToArray();
    }

    /// <summary>Queues <paramref name="count"/> images; throws <see cref="QueueFullException"/> when the queue is full.</summary>
    public Task<InferenceResult> SubmitAsync(float[] pixels, int count, CancellationToken cancellation)
    {
        var pending = new Pending(pixels, count, new TaskCompletionSource<InferenceResult>(TaskCreationOptions.RunContinuationsAsynchronously),
            Stopwatch.GetTimestamp(), cancellation);
        if (!_queue.Writer.TryWrite(pending)) throw new QueueFullException();
        _metrics.Pending.WithLabels(_labels).Inc();
        return pending.Done.Task.WaitAsync(cancellation);
    }

    /// <summary>One instance's worker. Its state: requests it read but did not run in its last batch (cut back to a
    /// preferred size, or one that would have passed the max batch), which start its next batch in order; and the
    /// requests in that batch: it starts "under load" (2), so the very first batch waits its delay for company.
    /// Requests are only ever read, never peeked: with several instances another worker may take a peeked one.</summary>
    async Task WorkAsync(ModelSession session)
    {
        ChannelReader<Pending> reader = _queue.Reader;
        var held = new Queue<Pending>();
        int lastBatchRequests = 2;
        bool TryTake(out Pending? next) => held.TryDequeue(out next) || reader.TryRead(out next);
        while (held.Count > 0 || await reader.WaitToReadAsync())
        {
            if (!TryTake(out Pending? first)) continue;   // another instance took it
            var batch = new List<Pending> { first! };
            int images = first!.Count;
            Pending? overflow = null;
            long deadline = Stopwatch.GetTimestamp() + (long)(_maxDelay.TotalSeconds * Stopwatch.Frequency);
            while (images < _target)
            {
                if (TryTake(out Pending? next))
                {
                    if (images + next!.Count > _maxBatch) { overflow = next; break; }
                    batch.Add(next);
                    images += next.Count;
                    continue;
                }
                // Waiting for company only pays under load: a lone client would pay the delay on every request.
                if (lastBatchRequests <= 1) break;
                TimeSpan left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
                if (Stopwatch.GetTimestamp() >= deadline || !await MoreArrives(reader, left)) break;
            }
            List<Pending> later = CutToPreferred(batch);
            if (overflow is not null) later.Add(overflow);
            held = new Queue<Pending>(later.Concat(held));
            lastBatchRequests = batch.Count;
            _metrics.Pending.WithLabels(_labels).Dec(batch.Count);
            Run(session, batch);
        }
    }

    /// <summary>Shortens <paramref name="batch"/> to the longest run of its first requests whose images make a preferred
    /// size, returning the requests cut off (in order); with no preferred sizes, or none reachable, nothing is cut.</summary>
    List<Pending> CutToPreferred(List<Pending> batch)
    {
        int images = 0, keep = 0;
        for (int i = 0; i < batch.Count; i++)
        {
            images += batch[i].Count;
            if (_preferred.Contains(images)) keep = i + 1;
        }
        if (keep == 0 || keep == batch.Count) return [];
        List<Pending> cut = batch[keep..];
        batch.RemoveRange(keep, batch.Count - keep);
        return cut;
    }

    static async Task<bool> MoreArrives(ChannelReader<Pending> reader, TimeSpan wait)
    {
        using var timeout = new CancellationTokenSource(wait);
        try { return await reader.WaitToReadAsync(timeout.Token); }
        catch (OperationCanceledException) { return false; }
    }

    void Run(ModelSession session, List<Pending> batch)
    {
        batch = batch.Where(p => !p.Cancellation.IsCancellationRequested).ToList();
        if (batch.Count == 0) return;
        long started = Stopwatch.GetTimestamp();
        TimeSpan[] waits = batch.Select(p => Stopwatch.GetElapsedTime(p.Enqueued, started)).ToArray();
        foreach (TimeSpan waited in waits)
        {
            _metrics.QueueSeconds.WithLabels(_labels).Observe(waited.TotalSeconds);
            _metrics.QueueMicroseconds.WithLabels(_labels).Inc(waited.TotalMicroseconds);
        }
        try
        {
            int elements = session.ImageElements, images = batch.Sum(p => p.Count);
            float[] pixels = batch.Count == 1 ? batch[0].Pixels : Concatenate(batch, elements, images);
            long inferring = Stopwatch.GetTimestamp();
            float[] logits = session.Run(pixels, images);
            long answering = Stopwatch.GetTimestamp();
            double seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            _metrics.ComputeSeconds.WithLabels(_labels).Observe(seconds);
            _metrics.ComputeMicroseconds.WithLabels(_labels).Inc(seconds * 1e6);
            _metrics.BatchSize.WithLabels(_labels).Observe(images);
            _metrics.Images.WithLabels(_labels).Inc(images);
            _metrics.Executions.WithLabels(_labels).Inc();
            int classes = session.Classes, row = 0;
            var results = new InferenceResult[batch.Count];
            for (int i = 0; i < batch.Count; i++)
            {
                results[i] = new InferenceResult(logits[(row * classes)..((row + batch[i].Count) * classes)], batch[i].Count, classes, session.Metadata.Labels);
                row += batch[i].Count;
            }
            // Counted before any request is answered, so a client that asks for statistics after its answer sees its batch.
            Statistics.Executed(waits, images, Stopwatch.GetElapsedTime(started, inferring), Stopwatch.GetElapsedTime(inferring, answering),
                                Stopwatch.GetElapsedTime(answering));
            for (int i = 0; i < batch.Count; i++) batch[i].Done.TrySetResult(results[i]);
        }
        catch (Exception error)
        {
            foreach (Pending p in batch) p.Done.TrySetException(error);
        }
    }

    static float[] Concatenate(List<Pending> batch, int elements, int images)
    {
        var pixels = new float[images * elements];
        int offset = 0;
        foreach (Pending p in batch)
        {
            Array.Copy(p.Pixels, 0, pixels, offset, p.Count * elements);
            offset += p.Count * elements;
        }
        return pixels;
    }

    /// <summary>Stops taking requests and finishes the ones already queued.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await Task.WhenAll(_workers);
    }
}
