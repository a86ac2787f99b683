using System.Diagnostics;
using System.Threading.Channels;

namespace Cltool.InferenceHost.Serving;

/// <summary>
/// Dynamic batching: requests wait in a bounded queue; one worker takes the oldest, gathers more for up to the delay
/// until the batch holds <c>maxBatch</c> images, runs the batch once on its version's session and answers every request
/// with its own rows. A request larger than the batch limit runs alone. Answers equal unbatched runs up to float rounding. The worker only
/// waits for company while the previous batch had more than one request (under load): a lone client never pays the delay.
/// </summary>
public sealed class DynamicBatcher : IAsyncDisposable
{
    sealed record Pending(float[] Pixels, int Count, TaskCompletionSource<InferenceResult> Done, long Enqueued, CancellationToken Cancellation);

    readonly Channel<Pending> _queue;
    readonly ModelSession _session;
    readonly HostMetrics _metrics;
    readonly string[] _labels;
    readonly int _maxBatch;
    readonly TimeSpan _maxDelay;
    readonly Task _worker;
    // The worker's own state: requests in the batch it ran last. It starts at 2, "under load", so the very first batch
    // waits its delay for company; from then on a lone client (batches of 1) is answered without waiting.
    int _lastBatchRequests = 2;

    /// <summary>Triton's statistics of this version (its batcher sees every execution).</summary>
    public InferenceStatistics Statistics { get; } = new();

    public DynamicBatcher(ModelSession session, HostMetrics metrics, string[] labels, int maxBatch, int maxDelayMs, int capacity)
    {
        (_session, _metrics, _labels, _maxBatch, _maxDelay) = (session, metrics, labels, maxBatch, TimeSpan.FromMilliseconds(maxDelayMs));
        _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        _worker = Task.Run(WorkAsync);
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

    async Task WorkAsync()
    {
        ChannelReader<Pending> reader = _queue.Reader;
        while (await reader.WaitToReadAsync())
        {
            if (!reader.TryRead(out Pending? first)) continue;
            var batch = new List<Pending> { first };
            int images = first.Count;
            long deadline = Stopwatch.GetTimestamp() + (long)(_maxDelay.TotalSeconds * Stopwatch.Frequency);
            while (images < _maxBatch)
            {
                if (reader.TryPeek(out Pending? next))
                {
                    if (images + next.Count > _maxBatch) break;
                    reader.TryRead(out next);
                    batch.Add(next!);
                    images += next!.Count;
                    continue;
                }
                // Waiting for company only pays under load: a lone client would pay the delay on every request.
                if (_lastBatchRequests <= 1) break;
                TimeSpan left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
                if (Stopwatch.GetTimestamp() >= deadline || !await MoreArrives(reader, left)) break;
            }
            _lastBatchRequests = batch.Count;
            _metrics.Pending.WithLabels(_labels).Dec(batch.Count);
            Run(batch);
        }
    }

    static async Task<bool> MoreArrives(ChannelReader<Pending> reader, TimeSpan wait)
    {
        using var timeout = new CancellationTokenSource(wait);
        try { return await reader.WaitToReadAsync(timeout.Token); }
        catch (OperationCanceledException) { return false; }
    }

    void Run(List<Pending> batch)
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
            ModelSession session = _session;
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
        await _worker;
    }
}
