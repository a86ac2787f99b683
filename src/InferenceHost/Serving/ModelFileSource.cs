using Cltool.Core.Errors;
using Cltool.InferenceHost.Protocol.Grpc;

namespace Cltool.InferenceHost.Serving;

/// <summary>`--model FILE`: one model, version 1, that file; the command line configures it.</summary>
public sealed class ModelFileSource(string name, string path) : IModelSource
{
    public IReadOnlyList<string> Models() => [name];

    public ModelConfig Config(string model) => new();

    public IReadOnlyList<VersionFile> Versions(string model, VersionPolicy policy) =>
        File.Exists(path) ? [VersionFile.Of(1, path)] : throw new CltoolException($"the model file '{path}' does not exist.");

    public string ConfigName(string model) => "the command line";
}
