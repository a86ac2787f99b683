namespace Cltool.InferenceHost.Tests;

/// <summary>
/// Tests on a model repository in Triton's layout, written into a temporary folder: versions of the tiny model,
/// config.pbtxt files, and a host serving the folder on loopback ports.
/// </summary>
public abstract class RepositoryTestBase : IDisposable
{
    protected TemporaryDirectory Temporary { get; } = new();

    public void Dispose()
    {
        Temporary.Dispose();
        GC.SuppressFinalize(this);
    }

    protected string Repository => Temporary.File("repository");

    /// <summary>Writes MODEL/VERSION/model.onnx (the tiny model with <paramref name="seed"/>'s weights); returns its path.</summary>
    protected string Version(string model, long version, int seed)
    {
        string folder = Path.Combine(Repository, model, version.ToString());
        Directory.CreateDirectory(folder);
        return TinyOnnxModel.Write(Path.Combine(folder, "model.onnx"), seed);
    }

    protected void Config(string model, string text) => File.WriteAllText(Path.Combine(Repository, model, "config.pbtxt"), text);

    /// <summary>A host on the repository (polled every second in poll mode); <paramref name="log"/> collects its lines.</summary>
    protected Task<InferenceServer> Start(ModelControlMode mode, List<string>? log = null, params string[] load) => InferenceServer.StartAsync(
        RunningServer.Options("") with { ModelPath = "", RepositoryPath = Repository, ControlMode = mode, PollSeconds = 1, LoadModels = load },
        line => { if (log is not null) lock (log) log.Add(line); });

    protected static async Task<string> Index(HttpClient client) =>
        await (await client.PostAsync("/v2/repository/index", null)).Content.ReadAsStringAsync();
}
