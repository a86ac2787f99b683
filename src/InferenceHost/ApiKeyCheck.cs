using System.Security.Cryptography;
using System.Text;

namespace Cltool.InferenceHost;

/// <summary>The API key rule shared by HTTP headers and gRPC metadata: <c>x-api-key: KEY</c> or <c>authorization: Bearer KEY</c>.</summary>
public static class ApiKeyCheck
{
    /// <summary>Why the request is refused; null when no key is required or the right one was given.</summary>
    public static string? Refusal(string? key, string? apiKeyHeader, string? authorization)
    {
        if (key is null) return null;
        string? given = apiKeyHeader;
        if (given is null && authorization?.StartsWith("Bearer ", StringComparison.Ordinal) == true) given = authorization["Bearer ".Length..];
        if (given is null) return "an API key is required (Authorization: Bearer KEY or X-API-Key).";
        // Constant time: the comparison must not tell an attacker how many leading characters were right.
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(key)) ? null : "the API key is wrong.";
    }
}
