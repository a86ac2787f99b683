namespace Cltool.InferenceHost;

/// <summary>How a model repository's changes reach the host, as Triton's --model-control-mode.</summary>
public enum ModelControlMode
{
    /// <summary>Load everything at start; later changes are ignored and load/unload are refused.</summary>
    None,
    /// <summary>Load everything at start, then re-read the repository every poll interval; load/unload are refused.</summary>
    Poll,
    /// <summary>Load only the --load-model models at start; after that, only load/unload calls change what is served.</summary>
    Explicit,
}
