namespace Cltool.InferenceHost.Serving;

/// <summary>
/// The model being served, swappable without downtime: requests take a lease on the current session; a reload
/// swaps in a new, warmed-up session atomically and disposes the old one only when its last lease is returned,
/// so in-flight requests finish on the session they started with.
/// </summary>
public sealed class ModelSlot : IDisposable
{
    internal sealed class Entry(ModelSession session)
    {
        public readonly ModelSession Session = session;
        public int Leases = 1;   // the slot's own reference, dropped when the entry is replaced
    }

    Entry _current;
    readonly object _gate = new();

    public ModelSlot(ModelSession session) => _current = new Entry(session);

    public ModelSession Current => _current.Session;

    public int Reloads { get; private set; }

    public Lease Acquire()
    {
        lock (_gate)
        {
            _current.Leases++;
            return new Lease(this, _current);
        }
    }

    public void Replace(ModelSession session)
    {
        Entry old;
        lock (_gate)
        {
            old = _current;
            _current = new Entry(session);
            Reloads++;
        }
        Release(old);
    }

    void Release(Entry entry)
    {
        bool last;
        lock (_gate) last = --entry.Leases == 0;
        if (last) entry.Session.Dispose();
    }

    public void Dispose() => Release(_current);

    public sealed class Lease : IDisposable
    {
        readonly ModelSlot _slot;
        readonly Entry _entry;
        int _released;

        internal Lease(ModelSlot slot, Entry entry) => (_slot, _entry) = (slot, entry);

        public ModelSession Session => _entry.Session;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) _slot.Release(_entry);
        }
    }
}
