using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Cltool.Core.Errors;
using Cltool.Core.Imaging;
using Cltool.Core.IO;
using Cltool.Core.Weights;

namespace Cltool.Core.Models;

/// <summary>JSON conventions shared by every file cltool writes.</summary>
public static class CltoolJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    /// <summary>One-line JSON, for values stored in safetensors headers.</summary>
    public static readonly JsonSerializerOptions Compact = new(Options) { WriteIndented = false };

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    public static string SerializeCompact<T>(T value) => JsonSerializer.Serialize(value, Compact);

    public static T Deserialize<T>(string json, string what) =>
        JsonSerializer.Deserialize<T>(json, Options) ?? throw new CltoolException($"{what} is empty.");

    static readonly JsonSerializerOptions StrictOptions = new(Options) { UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow };

    /// <summary>Reads a recipe-like file strictly: an unknown key or a value of the wrong type is one clear error.</summary>
    public static T LoadStrict<T>(string path, string what)
    {
        if (!File.Exists(path)) throw CltoolException.MissingFile(what, path);
        try
        {
            return JsonSerializer.Deserialize<T>(File.ReadAllText(path), StrictOptions) ?? throw new CltoolException($"{what} '{path}' is empty.");
        }
        catch (JsonException error)
        {
            throw new CltoolException($"{what} '{path}' is invalid: {error.Message}");
        }
    }
}

/// <summary>
/// A trained ViT as one self-describing safetensors file: timm-named weights plus, in the header metadata, its
/// config, preprocessing and class names. Python reads it with safetensors; cltool needs nothing else.
/// </summary>
public sealed record ModelFile(ViTConfig Config, Preprocessing Preprocessing, IReadOnlyList<string> Classes, Dictionary<string, HostTensor> Weights)
{
    public const string Format = "cltool.model";
    public const int Version = 1;

    public void Save(string path, IReadOnlyDictionary<string, string>? extraMetadata = null)
    {
        var writer = new SafeTensorsWriter();
        writer.Metadata["format"] = Format;
        writer.Metadata["version"] = Version.ToString();
        writer.Metadata["config"] = JsonSerializer.Serialize(Config, CltoolJson.Options);
        writer.Metadata["preprocessing"] = JsonSerializer.Serialize(Preprocessing, CltoolJson.Options);
        writer.Metadata["classes"] = JsonSerializer.Serialize(Classes, CltoolJson.Options);
        foreach ((string key, string value) in extraMetadata ?? new Dictionary<string, string>()) writer.Metadata[key] = value;
        foreach ((string name, long[] _) in Config.ExpectedTensors()) writer.Add(name, Weights[name].Data, Weights[name].Shape);
        writer.Save(path);
    }

    /// <summary>Loads a cltool model file; <paramref name="withHead"/> false drops the head (a backbone for new tasks).</summary>
    public static ModelFile Load(string path, bool withHead = true)
    {
        ViTConfig config;
        Preprocessing preprocessing;
        string[] classes;
        using (SafeTensorsFile file = SafeTensorsFile.Open(path))
        {
            if (!file.Metadata.TryGetValue("format", out string? format) || format != Format)
                throw new CltoolException($"'{path}' is not a cltool model file (metadata format '{format ?? "none"}', expected '{Format}'); " +
                                          "for a timm or Hugging Face ViT give its preset instead.");
            if (file.Metadata.GetValueOrDefault("version") != Version.ToString())
                throw new CltoolException($"'{path}' is a cltool model file of version {file.Metadata.GetValueOrDefault("version")}; this cltool reads version {Version}.");
            config = CltoolJson.Deserialize<ViTConfig>(file.Metadata["config"], $"'{path}' config");
            preprocessing = CltoolJson.Deserialize<Preprocessing>(file.Metadata["preprocessing"], $"'{path}' preprocessing");
            classes = CltoolJson.Deserialize<string[]>(file.Metadata["classes"], $"'{path}' classes");
        }
        if (!withHead) config = config.WithClasses(0);
        return new ModelFile(config, preprocessing, withHead ? classes : [], ViTWeights.Load(path, config));
    }

    public static string Sha256(string path)
    {
        using FileStream stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
