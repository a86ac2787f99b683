using System.Security.Cryptography;
using System.Text;
using Cltool.Core.IO;

namespace Cltool.Core.Data;

/// <summary>A dataset's spec and the sha256 of the files it is made from (relative path and content of each, in order).</summary>
public sealed record DatasetIdentity(string Spec, string Sha256, int Files, long Bytes)
{
    public static DatasetIdentity Of(string spec, string root, IEnumerable<string> files)
    {
        var lines = new StringBuilder();
        long bytes = 0;
        string[] ordered = files.Select(Path.GetFullPath).Order(StringComparer.Ordinal).ToArray();
        foreach (string file in ordered)
        {
            lines.Append(Path.GetRelativePath(root, file)).Append('\t').Append(FileHash.Sha256(file)).Append('\n');
            bytes += new FileInfo(file).Length;
        }
        return new DatasetIdentity(spec, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(lines.ToString()))), ordered.Length, bytes);
    }
}
