using Cltool.InferenceHost.Protocol.Grpc;

namespace Cltool.InferenceHost.Serving;

/// <summary>Where the served models come from: one model file (`--model`), or a Triton-layout model repository.</summary>
public interface IModelSource
{
    /// <summary>The models there are, by name.</summary>
    IReadOnlyList<string> Models();

    /// <summary>The model's own configuration (a repository's config.pbtxt, parsed); empty when it has none.</summary>
    ModelConfig Config(string model);

    /// <summary>The versions of <paramref name="model"/> that <paramref name="policy"/> selects now, highest first.</summary>
    IReadOnlyList<VersionFile> Versions(string model, VersionPolicy policy);

    /// <summary>What names the model's configuration in errors.</summary>
    string ConfigName(string model);
}
