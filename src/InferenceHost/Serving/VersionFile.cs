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
