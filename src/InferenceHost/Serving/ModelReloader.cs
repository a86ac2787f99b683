namespace Cltool.InferenceHost.Serving;

/// <summary>
/// Replaces the served model without downtime: the new file is opened and warmed up on the side; only when that
/// succeeded is it swapped in (in-flight requests finish on the old session). A model that fails to load leaves the
/// old one serving. Optionally watches the model file and reloads when it changes.
/// </summary>
public sealed class ModelReloader : IDisposable
{
    readonly ServeOptions _options;
    readonly ModelSlot _slot;
    readonly HostMetrics _metrics;
    readonly Action<string> _log;
    readonly SemaphoreSlim _oneAtATime = new(1);
    readonly FileSystemWatcher? _watcher;
    Timer? _debounce;

    public ModelReloader(ServeOptions options, ModelSlot slot, HostMetrics metrics, Action<string> log)
    {
        (_options, _slot, _metrics, _log) = (options, slot, metrics, log);
        if (!options.Watch) return;
        string full = Path.GetFullPath(options.ModelPath);
        _watcher = new FileSystemWatcher(Path.GetDirectoryName(full)!, Path.GetFileName(full))
        {
            NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size,
        };
        _watcher.Changed += (_, _) => Schedule();
        _watcher.Created += (_, _) => Schedule();
        _watcher.Renamed += (_, _) => Schedule();
        _watcher.EnableRaisingEvents = true;
    }

    /// <summary>Loads the model file again and swaps it in; returns the new session.</summary>
    public async Task<ModelSession> ReloadAsync()
    {
        await _oneAtATime.WaitAsync();
        try
        {
            ModelSession session = await Task.Run(() => ModelSession.Open(_options.ModelPath, _options.Device, _options.Threads, _log));
            _slot.Replace(session);
            _metrics.SetProvider(session.ExecutionProvider);
            _log($"reloaded '{_options.Name}' from {_options.ModelPath} (sha256 {session.Sha256[..12]}, {session.Classes} classes) on {session.ExecutionProvider}");
            return session;
        }
        finally
        {
            _oneAtATime.Release();
        }
    }

    /// <summary>Writers touch a file several times; reload once it has been quiet for half a second.</summary>
    void Schedule()
    {
        _debounce?.Dispose();
        _debounce = new Timer(_ => _ = ReloadLoggingFailure(), null, 500, Timeout.Infinite);
    }

    async Task ReloadLoggingFailure()
    {
        try { await ReloadAsync(); }
        catch (Exception error) { _log($"reload of {_options.ModelPath} failed, still serving the previous model: {error.Message}"); }
    }

    public void Dispose()
    {
        _watcher?.Dispose();
        _debounce?.Dispose();
        _oneAtATime.Dispose();
    }
}
