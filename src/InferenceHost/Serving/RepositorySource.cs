using System.Collections.Concurrent;
using Cltool.Core.Errors;
using Cltool.Core.Models;
using Cltool.InferenceHost.Protocol.Grpc;

namespace Cltool.InferenceHost.Serving;

/// <summary>
/// `--model-repository DIR` in Triton's layout (what `cltool export --triton` writes): DIR/NAME/config.pbtxt and numbered
/// version folders DIR/NAME/V/model.onnx (<see cref="RepositoryLayout"/>).
/// </summary>
public sealed class RepositorySource(string root) : IModelSource
{
    // protoc is a process: every poll re-reads each config.pbtxt, and only a changed text is parsed again.
    readonly ConcurrentDictionary<string, (string Text, ModelConfig Config)> _parsed = new();

    public IReadOnlyList<string> Models() =>
        Directory.EnumerateDirectories(root).Select(Path.GetFileName).OfType<string>()
            .Where(name => !name.StartsWith('.')).Order(StringComparer.Ordinal).ToArray();

    public IReadOnlyList<VersionFile> Versions(string model, VersionPolicy policy)
    {
        string folder = Folder(model);
        string File(long version) => Path.Combine(folder, version.ToString(), RepositoryLayout.ModelFile);
        long[] onDisk = RepositoryLayout.Versions(folder).Where(v => System.IO.File.Exists(File(v))).ToArray();
        if (onDisk.Length == 0)
            throw new CltoolException($"model '{model}' has no version folder holding {RepositoryLayout.ModelFile} in '{folder}' (expected {File(1)}).");
        return policy.Select(onDisk).Select(v => VersionFile.Of(v, File(v))).ToArray();
    }

    public ModelConfig Config(string model)
    {
        string config = ConfigName(model);
        if (!File.Exists(config)) return new ModelConfig();
        string text = File.ReadAllText(config);
        if (!_parsed.TryGetValue(config, out var parsed) || parsed.Text != text)
            _parsed[config] = parsed = (text, ProtobufText.Parse<ModelConfig>(text, config));
        return parsed.Config.Clone();
    }

    public string ConfigName(string model) => Path.Combine(Folder(model), RepositoryLayout.ConfigFile);

    string Folder(string model)
    {
        string folder = Path.Combine(root, model);
        return Directory.Exists(folder) ? folder : throw new CltoolException($"model '{model}' is not in the repository '{root}'.");
    }
}
