namespace Cltool.InferenceHost.Serving;

/// <summary>
/// One loaded version of a model: its sessions (one per instance of its instance groups), its own batcher (a batch never
/// mixes versions) and the settings it was loaded with. Requests take a
/// lease; a retired version (replaced, unloaded, dropped by the version policy) stops only when its last lease is
/// returned, so requests in flight finish on the version they started with and a swap fails none of them.
/// </summary>
public sealed class ServedVersion
{
    readonly object _gate = new();
    readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    int _leases;
    bool _retired;

    public ServedVersion(string model, long version, IReadOnlyList<ModelSession> instances, DynamicBatcher batcher, ModelSettings settings) =>
        (Model, Version, Instances, Batcher, Settings) = (model, version, instances, batcher, settings);

    public string Model { get; }
    public long Version { get; }
    public IReadOnlyList<ModelSession> Instances { get; }
    /// <summary>The first instance: every instance is the same file, so it answers for all about the model.</summary>
    public ModelSession Session => Instances[0];
    public DynamicBatcher Batcher { get; }
    public ModelSettings Settings { get; }

    /// <summary>A lease, or null when the version was retired in the meantime (the caller resolves again).</summary>
    public Lease? TryAcquire()
    {
        lock (_gate)
        {
            if (_retired) return null;
            _leases++;
            return new Lease(this);
        }
    }

    /// <summary>Takes no new leases; stops once the last one is returned. The task completes when it has stopped.</summary>
    public Task Retire()
    {
        bool stopNow;
        lock (_gate)
        {
            if (_retired) return _stopped.Task;
            _retired = true;
            stopNow = _leases == 0;
        }
        if (stopNow) _ = StopAsync();
        return _stopped.Task;
    }

    void Return()
    {
        bool stopNow;
        lock (_gate) stopNow = --_leases == 0 && _retired;
        if (stopNow) _ = StopAsync();
    }

    async Task StopAsync()
    {
        try
        {
            await Batcher.DisposeAsync();   // answers what is still queued
            foreach (ModelSession instance in Instances) instance.Dispose();
            _stopped.TrySetResult();
        }
        catch (Exception error)
        {
            _stopped.TrySetException(error);
        }
    }

    public sealed class Lease : IDisposable
    {
        readonly ServedVersion _version;
        int _returned;

        internal Lease(ServedVersion version) => _version = version;

        public ServedVersion Served => _version;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _returned, 1) == 0) _version.Return();
        }
    }
}
