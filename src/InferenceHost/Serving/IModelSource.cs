namespace Cltool.InferenceHost.Serving;

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
