namespace Cltool.Core.IO;

/// <summary>
/// A hidden directory next to the destination where a multi-file result is written and checked before anything is
/// published. <see cref="Publish"/> renames the files into place (same file system, so each rename is atomic); disposing
/// removes whatever was not published, so a failed check or a full disk leaves nothing half-written behind.
/// </summary>
public sealed class StagingDirectory : IDisposable
{
    public StagingDirectory(string destinationDirectory, string purpose)
    {
        Destination = System.IO.Path.GetFullPath(destinationDirectory);
        Directory.CreateDirectory(Destination);
        Path = System.IO.Path.Combine(Destination, $".{purpose}.{Guid.NewGuid():N}.partial");
        Directory.CreateDirectory(Path);
    }

    public string Destination { get; }
    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Moves the named files into the destination in order (put the file that points at the others last).</summary>
    public void Publish(params string[] names)
    {
        foreach (string name in names) System.IO.File.Move(File(name), System.IO.Path.Combine(Destination, name), overwrite: true);
    }

    /// <summary>Replaces the destination's sub-directory <paramref name="name"/> with the staged one of that name.</summary>
    public void PublishDirectory(string name)
    {
        string target = System.IO.Path.Combine(Destination, name);
        string old = System.IO.Path.Combine(Path, ".replaced");
        if (Directory.Exists(target)) Directory.Move(target, old);
        Directory.Move(File(name), target);
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
