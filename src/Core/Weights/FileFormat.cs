using Cltool.Core.Errors;
using Cltool.Core.Models;

namespace Cltool.Core.Weights;

/// <summary>
/// The <c>format</c> and <c>version</c> header keys every safetensors file cltool writes carries: written and checked
/// here, so each kind of file refuses the others and other versions with the same kind of message. A reader may accept
/// older versions (<paramref name="OldestReadable"/>); a newer one always fails, naming the versions this cltool reads.
/// </summary>
public sealed record FileFormat(string Name, int Version, string Description, int? OldestReadable = null)
{
    public void WriteTo(SafeTensorsWriter writer)
    {
        writer.Metadata["format"] = Name;
        writer.Metadata["version"] = Version.ToString();
    }

    /// <summary>The JSON value cltool wrote under <paramref name="key"/> in a file of this format; a missing or damaged one is one error naming it.</summary>
    public T Read<T>(SafeTensorsFile file, string key) => file.Metadata.TryGetValue(key, out string? json)
        ? CltoolJson.Deserialize<T>(json, $"'{file.Path}' metadata '{key}'")
        : throw new CltoolException($"'{file.Path}' lacks the metadata '{key}' every {Description} has.");

    /// <summary>Refuses a file of another format (<paramref name="hint"/> says what to do instead) or another version.</summary>
    public void Check(SafeTensorsFile file, string? hint = null)
    {
        string format = file.Metadata.GetValueOrDefault("format") ?? "none";
        if (format != Name)
            throw new CltoolException($"'{file.Path}' is not a {Description} (metadata format '{format}', expected '{Name}'){(hint is null ? "" : "; " + hint)}.");
        string? version = file.Metadata.GetValueOrDefault("version");
        int oldest = OldestReadable ?? Version;
        if (!int.TryParse(version, out int number) || number < oldest || number > Version)
            throw new CltoolException($"'{file.Path}' is a {Description} of version {version ?? "none"}; this cltool reads " +
                                      (oldest == Version ? $"version {Version}." : $"versions {oldest} to {Version}."));
    }
}
