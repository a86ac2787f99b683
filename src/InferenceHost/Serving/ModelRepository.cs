using System.Collections.Immutable;
using Cltool.Core;
using Cltool.Core.Errors;
using Cltool.InferenceHost.Protocol;
using Cltool.InferenceHost.Protocol.Grpc;

namespace Cltool.InferenceHost.Serving;

/// <summary>
/// The served models and their versions. A load opens and warms the new versions on the side while the ready ones keep
/// serving, then publishes them in one step and retires what they replace (retired versions finish their requests in
/// flight); if any new version fails, none is published and the old ones keep serving, as in Triton. Each model is loaded
/// with its <see cref="ModelSettings"/>; a changed config.pbtxt reloads every version, and one that cannot be honoured
/// fails the load with its reason in the index. Requests resolve a model and version to a lease; without a version they
/// get the highest ready one.
/// </summary>
public sealed class ModelRepository(IModelSource source, ServeOptions options, HostMetrics metrics, Action<string> log) : IAsyncDisposable
{
    sealed class Model
    {
        public ImmutableSortedDictionary<long, ServedVersion> Ready = ImmutableSortedDictionary<long, ServedVersion>.Empty;
        public ImmutableSortedDictionary<long, VersionState> States = ImmutableSortedDictionary<long, VersionState>.Empty;
        public ImmutableDictionary<long, string> Fingerprints = ImmutableDictionary<long, string>.Empty;
        /// <summary>The configuration the ready versions were loaded with.</summary>
        public ModelConfig? Config;
        /// <summary>Why the last load failed before any version was tried (the index shows it while no version has a state).</summary>
        public string? Failure;
    }

    readonly Dictionary<string, Model> _models = [];
    readonly SemaphoreSlim _oneChangeAtATime = new(1);

    public IModelSource Source => source;

    /// <summary>A lease on the version a request names (or the highest ready one); refusals as Triton answers them.</summary>
    public ServedVersion.Lease Acquire(string name, string? version)
    {
        long? wanted = ParseVersion(version);
        while (true)
        {
            Model model = Find(name);
            ServedVersion served = Resolve(name, model, wanted);
            if (served.TryAcquire() is { } lease) return lease;   // else it was retired just now: resolve again
        }
    }

    /// <summary>The names of the models that have a ready version.</summary>
    public IReadOnlyList<string> ServedModels()
    {
        lock (_models) return _models.Where(m => !m.Value.Ready.IsEmpty).Select(m => m.Key).Order(StringComparer.Ordinal).ToArray();
    }

    /// <summary>Ready to serve: every model that is meant to be loaded (not unloaded on request) has a ready version.</summary>
    public bool IsReady()
    {
        lock (_models)
            return _models.Values.All(m => !m.Ready.IsEmpty || m.States.Values.All(s => s.Reason == Unloaded));
    }

    const string Unloaded = "unloaded";

    /// <summary>The ready versions of a model, highest first.</summary>
    public IReadOnlyList<ServedVersion> ReadyVersions(string name) => Find(name).Ready.Values.Reverse().ToArray();

    /// <summary>Every model of the source with its versions' states; <paramref name="readyOnly"/> keeps the ready ones.</summary>
    public IReadOnlyList<IndexEntry> Index(bool readyOnly)
    {
        IReadOnlyList<string> names;
        try { names = source.Models(); }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException) { names = []; }
        var rows = new List<IndexEntry>();
        lock (_models)
        {
            foreach (string name in names.Union(_models.Keys).Order(StringComparer.Ordinal))
            {
                if (!_models.TryGetValue(name, out Model? model) || model.States.IsEmpty)
                {
                    if (!readyOnly) rows.Add(model?.Failure is { } failure ? new IndexEntry(name, State: VersionState.Unavailable, Reason: failure) : new IndexEntry(name));
                    continue;
                }
                foreach ((long version, VersionState state) in model.States)
                    if (!readyOnly || state.State == VersionState.Ready)
                        rows.Add(new IndexEntry(name, version.ToString(), state.State, state.Reason.Length > 0 ? state.Reason : null));
            }
        }
        return rows;
    }

    /// <summary>Loads every model of the source (startup and each poll); a model that fails is logged and left as it was.</summary>
    public async Task LoadAllAsync()
    {
        foreach (string name in source.Models())
        {
            try { await LoadAsync(name, force: false); }
            catch (CltoolException error) { log(error.Message); }
        }
    }

    /// <summary>
    /// Brings <paramref name="name"/> to what its folder and version policy say: new or changed versions are loaded and
    /// warmed on the side (with <paramref name="force"/>, every version is reloaded), then swapped in; versions the policy
    /// no longer selects are retired. On failure nothing changes and the error names the version and the reason.
    /// </summary>
    public async Task LoadAsync(string name, bool force)
    {
        await _oneChangeAtATime.WaitAsync();
        try
        {
            Model model = Entry(name);
            ModelSettings settings;
            IReadOnlyList<VersionFile> wanted;
            try
            {
                settings = ModelSettings.Of(source.Config(name), name, options, source.ConfigName(name));
                wanted = source.Versions(name, settings.Policy);
            }
            catch (Exception error) when (error is CltoolException or IOException or UnauthorizedAccessException)
            {
                Failed(model, error.Message);
                throw new CltoolException($"load failed for model '{name}': {error.Message}");
            }
            force |= !settings.File.Equals(model.Config);
            VersionFile[] toOpen = wanted.Where(v => force || !model.Ready.ContainsKey(v.Version) || model.Fingerprints.GetValueOrDefault(v.Version) != v.Fingerprint).ToArray();
            long[] dropped = model.Ready.Keys.Where(v => wanted.All(w => w.Version != v)).ToArray();
            if (toOpen.Length == 0 && dropped.Length == 0) return;
            ServedVersion[] opened = await OpenAllAsync(name, model, toOpen, settings);
            Publish(name, model, opened, dropped, toOpen, settings.File);
        }
        finally
        {
            _oneChangeAtATime.Release();
        }
    }

    /// <summary>Retires every version of <paramref name="name"/>; returns when their requests in flight are answered.</summary>
    public async Task UnloadAsync(string name)
    {
        await _oneChangeAtATime.WaitAsync();
        try
        {
            Model model = Find(name);
            ServedVersion[] retiring;
            lock (_models)
            {
                retiring = model.Ready.Values.ToArray();
                model.Ready = ImmutableSortedDictionary<long, ServedVersion>.Empty;
                model.Fingerprints = ImmutableDictionary<long, string>.Empty;
                model.States = model.States.SetItems(retiring.Select(v => KeyValuePair.Create(v.Version, new VersionState(VersionState.Unloading))));
            }
            await Task.WhenAll(retiring.Select(Stop));
            lock (_models) model.States = model.States.SetItems(retiring.Select(v => KeyValuePair.Create(v.Version, new VersionState(VersionState.Unavailable, Unloaded))));
            log($"unloaded '{name}' (versions {string.Join(", ", retiring.Select(v => v.Version))})");
        }
        finally
        {
            _oneChangeAtATime.Release();
        }
    }

    /// <summary>The load failed before any version was opened: the ready versions keep serving, and every row says why.</summary>
    void Failed(Model model, string reason)
    {
        lock (_models)
        {
            model.Failure = reason;
            model.States = model.States.SetItems(model.States.Select(s => KeyValuePair.Create(s.Key, s.Value with { Reason = reason })));
        }
    }

    async Task<ServedVersion[]> OpenAllAsync(string name, Model model, VersionFile[] files, ModelSettings settings)
    {
        SetStates(model, files.Select(f => (f.Version, new VersionState(VersionState.Loading))));
        var opened = new List<ServedVersion>();
        foreach (VersionFile file in files)
        {
            try
            {
                opened.Add(await Task.Run(() => Open(name, file, settings)));
            }
            catch (CltoolException error)
            {
                await Task.WhenAll(opened.Select(Stop));
                // The versions that were serving keep serving; the one that failed says why.
                SetStates(model, files.Select(f => (f.Version, model.Ready.ContainsKey(f.Version) ? new VersionState(VersionState.Ready) : new VersionState(VersionState.Unavailable, "not loaded"))));
                SetStates(model, [(file.Version, new VersionState(model.Ready.ContainsKey(file.Version) ? VersionState.Ready : VersionState.Unavailable, error.Message))]);
                throw new CltoolException($"load failed for model '{name}' version {file.Version}: {error.Message}");
            }
        }
        return opened.ToArray();
    }

    /// <summary>One session per instance of the settings' instance groups, the first checked against the config's tensors.</summary>
    ServedVersion Open(string name, VersionFile file, ModelSettings settings)
    {
        var instances = new List<ModelSession>();
        try
        {
            foreach (ModelInstanceGroup group in settings.InstanceGroups)
            {
                for (int i = 0; i < group.Count; i++)
                {
                    (DeviceKind device, string cudaRequiredBy) = ModelSettings.PlacementOf(group, options.Device);
                    instances.Add(ModelSession.Open(file.Path, device, options.Threads, log, cudaRequiredBy));
                    if (instances.Count == 1 && settings.ProblemWith(instances[0]) is { } problem)
                        throw new CltoolException($"{source.ConfigName(name)}: {problem}");
                }
            }
        }
        catch
        {
            foreach (ModelSession instance in instances) instance.Dispose();
            throw;
        }
        var batcher = new DynamicBatcher(instances, metrics, HostMetrics.Labels(name, file.Version), settings, options.QueueCapacity);
        return new ServedVersion(name, file.Version, instances, batcher, settings);
    }

    void Publish(string name, Model model, ServedVersion[] opened, long[] dropped, VersionFile[] files, ModelConfig config)
    {
        ServedVersion[] retiring;
        HashSet<long> replaced;
        lock (_models)
        {
            replaced = opened.Select(v => v.Version).Where(model.Ready.ContainsKey).ToHashSet();
            retiring = opened.Select(v => model.Ready.GetValueOrDefault(v.Version)).Concat(dropped.Select(v => model.Ready[v])).OfType<ServedVersion>().ToArray();
            model.Ready = model.Ready.RemoveRange(dropped).SetItems(opened.Select(v => KeyValuePair.Create(v.Version, v)));
            model.Fingerprints = model.Fingerprints.RemoveRange(dropped).SetItems(files.Select(f => KeyValuePair.Create(f.Version, f.Fingerprint)));
            model.States = model.States.SetItems(model.Ready.Keys.Select(v => KeyValuePair.Create(v, new VersionState(VersionState.Ready))))
                .SetItems(dropped.Select(v => KeyValuePair.Create(v, new VersionState(VersionState.Unavailable, "not selected by the version policy"))));
            (model.Config, model.Failure) = (config, null);
        }
        foreach (ServedVersion served in opened)
        {
            metrics.Served(served);
            log($"{(replaced.Contains(served.Version) ? "reloaded" : "serving")} '{name}' version {served.Version} from {served.Session.Path} (sha256 {served.Session.Sha256[..12]}, {served.Session.Classes} classes, " +
                $"input {served.Session.Channels}x{served.Session.Height}x{served.Session.Width}) on {Placement(served)}; batches up to {served.Settings.MaxBatch}, " +
                $"queue delay {served.Settings.MaxQueueDelayMicroseconds} µs");
        }
        foreach (ServedVersion old in retiring) _ = Stop(old);
    }

    static string Placement(ServedVersion served) =>
        string.Join(" + ", served.Instances.GroupBy(i => i.ExecutionProvider).Select(g => g.Count() == 1 ? g.Key : $"{g.Count()} × {g.Key}"));

    async Task Stop(ServedVersion served)
    {
        await served.Retire();
        metrics.Stopped(served);
        log($"retired '{served.Model}' version {served.Version}: its requests in flight were answered");
    }

    void SetStates(Model model, IEnumerable<(long Version, VersionState State)> states)
    {
        lock (_models) model.States = model.States.SetItems(states.Select(s => KeyValuePair.Create(s.Version, s.State)));
    }

    Model Entry(string name)
    {
        lock (_models)
        {
            if (!_models.TryGetValue(name, out Model? model))
            {
                IReadOnlyList<string> models = source.Models();
                if (!models.Contains(name)) throw HostError.UnknownModel(name, models);
                _models[name] = model = new Model();
            }
            return model;
        }
    }

    Model Find(string name)
    {
        lock (_models)
            return _models.TryGetValue(name, out Model? model) ? model : throw HostError.UnknownModel(name, ServedModels());
    }

    static ServedVersion Resolve(string name, Model model, long? wanted)
    {
        if (wanted is not { } version)
            return model.Ready.IsEmpty
                ? throw HostError.NotFound($"Request for model '{name}': it has no available versions (it is unloaded, or its load failed or is in progress).")
                : model.Ready.Values.Last();
        if (model.Ready.TryGetValue(version, out ServedVersion? served)) return served;
        return model.States.TryGetValue(version, out VersionState? state) && state.State is VersionState.Loading or VersionState.Unloading
            ? throw HostError.Unavailable($"Request for model '{name}' version {version}: it is not at ready state ({state.State}).")
            : throw HostError.NotFound($"Request for model '{name}': version {version} is not found; ready versions: {Versions(model)}.");
    }

    static string Versions(Model model) => model.Ready.IsEmpty ? "none" : string.Join(", ", model.Ready.Keys.Reverse());

    static long? ParseVersion(string? version) =>
        string.IsNullOrEmpty(version) ? null
        : long.TryParse(version, out long v) && v > 0 ? v
        : throw HostError.BadRequest($"model version must be a positive integer, got '{version}'.");

    public async ValueTask DisposeAsync()
    {
        ServedVersion[] all;
        lock (_models) all = _models.Values.SelectMany(m => m.Ready.Values).ToArray();
        await Task.WhenAll(all.Select(v => v.Retire()));
        _oneChangeAtATime.Dispose();
    }
}
