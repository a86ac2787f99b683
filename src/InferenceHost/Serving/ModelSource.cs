using Cltool.Core.Errors;
using Cltool.Core.Models;

namespace Cltool.InferenceHost.Serving;

/// <summary>One version's model file and what tells a changed file from the one already loaded.</summary>
public sealed record VersionFile(long Version, string Path, string Fingerprint)
{
    public static VersionFile Of(long version, string path)
    {
        var info = new FileInfo(path);
        return new VersionFile(version, path, $"{info.Length}:{info.LastWriteTimeUtc.Ticks}");
    }
}

/// <summary>Where the served models come from: one model file (`--model`), or a Triton-layout model repository.</summary>
public interface IModelSource
{
    /// <summary>The models there are, by name.</summary>
    IReadOnlyList<string> Models();

    /// <summary>The versions of <paramref name="model"/> to serve now (its version policy applied), highest first.</summary>
    IReadOnlyList<VersionFile> Versions(string model);

    /// <summary>The version policy of <paramref name="model"/>.</summary>
    VersionPolicy Policy(string model);
}

/// <summary>`--model FILE`: one model, version 1, that file.</summary>
public sealed class ModelFileSource(string name, string path) : IModelSource
{
    public IReadOnlyList<string> Models() => [name];

    public IReadOnlyList<VersionFile> Versions(string model) =>
        File.Exists(path) ? [VersionFile.Of(1, path)] : throw new CltoolException($"the model file '{path}' does not exist.");

    public VersionPolicy Policy(string model) => VersionPolicy.Default;
}

/// <summary>
/// `--model-repository DIR` in Triton's layout (what `cltool export --triton` writes): DIR/NAME/config.pbtxt and numbered
/// version folders DIR/NAME/V/model.onnx (<see cref="RepositoryLayout"/>).
/// </summary>
public sealed class RepositorySource(string root) : IModelSource
{
    public IReadOnlyList<string> Models() =>
        Directory.EnumerateDirectories(root).Select(Path.GetFileName).OfType<string>()
            .Where(name => !name.StartsWith('.')).Order(StringComparer.Ordinal).ToArray();

    public IReadOnlyList<VersionFile> Versions(string model)
    {
        string folder = Folder(model);
        string File(long version) => Path.Combine(folder, version.ToString(), RepositoryLayout.ModelFile);
        long[] onDisk = RepositoryLayout.Versions(folder).Where(v => System.IO.File.Exists(File(v))).ToArray();
        if (onDisk.Length == 0)
            throw new CltoolException($"model '{model}' has no version folder holding {RepositoryLayout.ModelFile} in '{folder}' (expected {File(1)}).");
        return Policy(model).Select(onDisk).Select(v => VersionFile.Of(v, File(v))).ToArray();
    }

    public VersionPolicy Policy(string model)
    {
        string config = Path.Combine(Folder(model), RepositoryLayout.ConfigFile);
        return File.Exists(config) ? VersionPolicy.FromConfig(File.ReadAllText(config), config) : VersionPolicy.Default;
    }

    string Folder(string model)
    {
        string folder = Path.Combine(root, model);
        return Directory.Exists(folder) ? folder : throw new CltoolException($"model '{model}' is not in the repository '{root}'.");
    }
}
