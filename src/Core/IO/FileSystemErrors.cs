namespace Cltool.Core.IO;

public static class FileSystemErrors
{
    /// <summary>
    /// A write the file system refused: a full disk (IOException ENOSPC), no permission, or a file over the size limit
    /// (EFBIG, which .NET reports as an ArgumentOutOfRangeException thrown by its own I/O code, not by a caller).
    /// </summary>
    public static bool IsWriteFailure(Exception error) =>
        error is IOException or UnauthorizedAccessException
        || error is ArgumentOutOfRangeException && error.TargetSite?.DeclaringType?.Namespace == "System.IO";
}
