using Cltool.Core.Imaging;

namespace Cltool.Core.Data;

/// <summary>
/// Decodes and transforms samples on worker threads, a bounded number of batches ahead of the trainer, and hands
/// the batches over in order. Sample order depends only on (seed, epoch) and each sample's augmentation only on
/// (seed, epoch, index), so results do not depend on thread timing and a resumed run sees the same data.
/// </summary>
public sealed class BatchLoader(IImageDataset dataset, IReadOnlyList<int> indices, Func<RgbImage, Random, float[]> transform,
                                int batchSize, int workers = 2, int prefetch = 4)
{
    public int BatchCount(bool dropLast) => dropLast ? indices.Count / batchSize : (indices.Count + batchSize - 1) / batchSize;

    public IEnumerable<Batch> Epoch(int seed, int epoch, bool shuffle, bool dropLast, CancellationToken cancellation = default)
    {
        int[] order = indices.ToArray();
        if (shuffle) DeterministicRandom.Create(seed, epoch, RandomStreams.BatchOrder).Shuffle(order);
        int batches = BatchCount(dropLast);
        var results = new TaskCompletionSource<Batch>[batches];
        for (int i = 0; i < batches; i++) results[i] = new TaskCompletionSource<Batch>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        using var window = new SemaphoreSlim(prefetch);
        int next = -1;

        void Work()
        {
            while (!stop.IsCancellationRequested)
            {
                try { window.Wait(stop.Token); }
                catch (OperationCanceledException) { return; }
                int batch = Interlocked.Increment(ref next);
                if (batch >= batches) return;
                try
                {
                    results[batch].SetResult(Build(order, batch, seed, epoch));
                }
                catch (Exception error)
                {
                    results[batch].SetException(error);
                }
            }
        }

        Task[] threads = Enumerable.Range(0, Math.Max(1, workers)).Select(_ => Task.Factory.StartNew(Work, TaskCreationOptions.LongRunning)).ToArray();
        try
        {
            for (int batch = 0; batch < batches; batch++)
            {
                Batch ready = results[batch].Task.GetAwaiter().GetResult();
                window.Release();
                yield return ready;
            }
        }
        finally
        {
            stop.Cancel();
            // The workers stop on `stop`; waiting for them must not itself be cancelled, or they outlive the epoch.
            Task.WaitAll(threads, CancellationToken.None);
        }
    }

    Batch Build(int[] order, int batch, int seed, int epoch)
    {
        int start = batch * batchSize, count = Math.Min(batchSize, order.Length - start);
        float[]? images = null;
        var labels = new long[count];
        var chosen = new int[count];
        for (int i = 0; i < count; i++)
        {
            int index = order[start + i];
            float[] sample = transform(dataset.Load(index), DeterministicRandom.Create(seed, epoch, index));
            images ??= new float[count * sample.Length];
            sample.CopyTo(images, i * sample.Length);
            labels[i] = dataset.LabelOf(index);
            chosen[i] = index;
        }
        return new Batch(images!, labels, chosen);
    }
}
