using Cltool.Core.Errors;

namespace Cltool.Core.IO;

/// <summary>
/// Writes files so that a reader, a crash or a full disk never sees a half-written file: the content goes to a
/// temporary file in the same directory, is flushed to disk, and is renamed over the target in one step.
/// </summary>
public static class AtomicFile
{
    /// <summary>Writes <paramref name="path"/> through <paramref name="write"/>; on any failure the target is untouched
    /// and the temporary file is removed.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        string fullPath = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(fullPath)!;
        Directory.CreateDirectory(directory);
        string temporary = Path.Combine(directory, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, fullPath, overwrite: true);
        }
        catch (Exception error) when (FileSystemErrors.IsWriteFailure(error))
        {
            TryDelete(temporary);
            throw new CltoolException($"Could not write '{fullPath}': {error.Message.TrimEnd('.')}. The file that was there before is unchanged.", inner: error);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }



    public static void WriteAllText(string path, string text) =>
        Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, new System.Text.UTF8Encoding(false), leaveOpen: true);
            writer.Write(text);
        });

    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        byte[] copy = bytes.ToArray();
        Write(path, stream => stream.Write(copy));
    }

    static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
