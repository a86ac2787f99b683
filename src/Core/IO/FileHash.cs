using System.Security.Cryptography;

namespace Cltool.Core.IO;

/// <summary>The sha256 that names a file's exact bytes (base models, checkpoints, exported models).</summary>
public static class FileHash
{
    public static string Sha256(string path)
    {
        using FileStream stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
