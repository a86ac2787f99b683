namespace Cltool.InferenceHost.Serving;

/// <summary>
/// Keeps the served models in step with the disk without an API call: with `--model FILE --watch`, reloads the model when
/// its file changes; with `--model-control-mode poll`, re-reads the repository every poll interval (new versions go live,
/// versions the policy drops are retired). Failures are logged and the models being served stay.
/// </summary>
public sealed class RepositoryWatcher : IDisposable
{
    readonly ModelRepository _repository;
    readonly Action<string> _log;
    readonly FileSystemWatcher? _watcher;
    readonly CancellationTokenSource _stop = new();
    readonly Task _polling = Task.CompletedTask;
    Timer? _debounce;

    public RepositoryWatcher(ServeOptions options, ModelRepository repository, Action<string> log)
    {
        (_repository, _log) = (repository, log);
        if (options.ControlMode == ModelControlMode.Poll)
            _polling = PollAsync(TimeSpan.FromSeconds(options.PollSeconds), _stop.Token);
        if (!options.Watch) return;
        string full = Path.GetFullPath(options.ModelPath);
        _watcher = new FileSystemWatcher(Path.GetDirectoryName(full)!, Path.GetFileName(full))
        {
            NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size,
        };
        _watcher.Changed += (_, _) => Schedule(options.Name);
        _watcher.Created += (_, _) => Schedule(options.Name);
        _watcher.Renamed += (_, _) => Schedule(options.Name);
        _watcher.EnableRaisingEvents = true;
    }

    async Task PollAsync(TimeSpan interval, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stop)) await _repository.LoadAllAsync();
        }
        catch (OperationCanceledException) { }
    }

    /// <summary>Writers touch a file several times; reload once it has been quiet for half a second.</summary>
    void Schedule(string name)
    {
        _debounce?.Dispose();
        _debounce = new Timer(_ => _ = ReloadLoggingFailure(name), null, 500, Timeout.Infinite);
    }

    async Task ReloadLoggingFailure(string name)
    {
        try { await _repository.LoadAsync(name, force: true); }
        catch (Exception error) { _log($"reload of '{name}' failed, still serving the previous model: {error.Message}"); }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _polling.Wait();
        _watcher?.Dispose();
        _debounce?.Dispose();
        _stop.Dispose();
    }
}
