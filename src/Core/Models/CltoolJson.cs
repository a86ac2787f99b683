using System.Text.Json;
using System.Text.Json.Serialization;
using Cltool.Core.Errors;

namespace Cltool.Core.Models;

/// <summary>JSON conventions shared by every file cltool writes.</summary>
public static class CltoolJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        // A damaged or hand-edited file must fail as JSON, not later as a NullReferenceException: an explicit null for a
        // non-nullable member, or a missing non-optional constructor parameter, is a JsonException (one line to the user).
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    /// <summary>One-line JSON, for values stored in safetensors headers.</summary>
    public static readonly JsonSerializerOptions Compact = new(Options) { WriteIndented = false };

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    public static string SerializeCompact<T>(T value) => JsonSerializer.Serialize(value, Compact);

    /// <summary>A value cltool wrote (a header entry, a run file); damaged JSON is one <see cref="CltoolException"/> naming <paramref name="what"/>.</summary>
    public static T Deserialize<T>(string json, string what)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(json, Options) ?? throw new CltoolException($"{what} is empty.");
        }
        catch (JsonException error)
        {
            throw new CltoolException($"{what} is not what cltool writes: {CltoolException.OneLine(error.Message)}");
        }
    }

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
            throw new CltoolException($"{what} '{path}' is invalid: " +
                                      (error.Path is { Length: > 2 } key && ExpectedKind(error.Message) is { } kind
                                          ? $"'{key[2..]}' must be {kind}."
                                          : CltoolException.OneLine(error.Message)));
        }
    }

    /// <summary>What a value of the wrong type should have been, in words rather than .NET type names.</summary>
    static string? ExpectedKind(string message) => !message.Contains("could not be converted to", StringComparison.Ordinal) ? null
        : message.Contains("[]", StringComparison.Ordinal) ? "a JSON array"
        : message.Contains("Double", StringComparison.Ordinal) ? "a number"
        : message.Contains("Int", StringComparison.Ordinal) ? "an integer"
        : message.Contains("Boolean", StringComparison.Ordinal) ? "true or false"
        : message.Contains("String", StringComparison.Ordinal) ? "a string"
        : null;
}
