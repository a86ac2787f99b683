using Cltool.Core.Errors;

namespace Cltool.InferenceHost.Serving;

/// <summary>`--model FILE`: one model, version 1, that file.</summary>
public sealed class ModelFileSource(string name, string path) : IModelSource
{
    public IReadOnlyList<string> Models() => [name];

    public IReadOnlyList<VersionFile> Versions(string model) =>
        File.Exists(path) ? [VersionFile.Of(1, path)] : throw new CltoolException($"the model file '{path}' does not exist.");

    public VersionPolicy Policy(string model) => VersionPolicy.Default;
}
