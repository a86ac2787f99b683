namespace Cltool.Testing;

/// <summary>A fresh directory under the system temp folder, deleted with everything in it when disposed.</summary>
public sealed class TemporaryDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("cltool-test-").FullName;

    public string File(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { } // a process a test started may still hold a file; the OS cleans temp later
    }
}
