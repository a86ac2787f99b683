using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cltool.InferenceHost.Protocol;

/// <summary>
/// Triton's binary tensor extension on HTTP (advertised as <c>binary_tensor_data</c>): a body is a JSON header of
/// <c>Inference-Header-Content-Length</c> bytes followed by the raw tensors (little-endian, row-major, in the order the
/// JSON names them); a tensor sent or answered that way carries <c>"parameters": {"binary_data_size": bytes}</c>
/// instead of <c>data</c>. BYTES elements are a 4-byte little-endian length and the bytes.
/// </summary>
public static class BinaryTensors
{
    public const string HeaderLengthHeader = "Inference-Header-Content-Length";

    /// <summary>The JSON header and the binary section of a body; without the header the whole body is JSON.</summary>
    public static (ReadOnlyMemory<byte> Json, ReadOnlyMemory<byte> Binary) Split(byte[] body, string? headerLength)
    {
        if (headerLength is null) return (body, ReadOnlyMemory<byte>.Empty);
        if (!int.TryParse(headerLength, out int length) || length < 0 || length > body.Length)
            throw HostError.BadRequest($"{HeaderLengthHeader} must be the JSON header's byte count, at most the body's {body.Length} bytes; got '{headerLength}'.");
        return (body.AsMemory(0, length), body.AsMemory(length));
    }

    /// <summary>Floats from <paramref name="bytes"/> (little-endian FP32), each finite; any other count or value is a 400.</summary>
    public static float[] Floats(ReadOnlySpan<byte> bytes, int expected, string name)
    {
        if (bytes.Length != expected * sizeof(float))
            throw HostError.BadRequest($"input '{name}' has {bytes.Length} bytes of binary data; its shape needs {expected} FP32 values = {expected * sizeof(float)} bytes.");
        // The wire format is little-endian, as every platform .NET runs cltool on.
        return InputCheck.Finite(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes).ToArray(), name);
    }

    /// <summary>FP32 values as bytes.</summary>
    public static byte[] Bytes(float[] values) => System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

    /// <summary>BYTES elements as the extension encodes them: each a 4-byte little-endian length, then its UTF-8 bytes.</summary>
    public static byte[] Bytes(IEnumerable<string> elements)
    {
        using var buffer = new MemoryStream();
        foreach (string element in elements)
        {
            byte[] utf8 = System.Text.Encoding.UTF8.GetBytes(element);
            buffer.Write(BitConverter.GetBytes(utf8.Length));
            buffer.Write(utf8);
        }
        return buffer.ToArray();
    }

    /// <summary>The answer: plain JSON, or the JSON header, its length in the header and the binary outputs after it.</summary>
    public static IResult Result(JsonObject header, byte[]? binary)
    {
        if (binary is null) return Results.Json(header);
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(header);
        return new BinaryResult(json, binary);
    }

    sealed class BinaryResult(byte[] json, byte[] binary) : IResult
    {
        public async Task ExecuteAsync(HttpContext context)
        {
            context.Response.ContentType = "application/octet-stream";
            context.Response.Headers[HeaderLengthHeader] = json.Length.ToString();
            context.Response.ContentLength = json.Length + binary.Length;
            await context.Response.Body.WriteAsync(json, context.RequestAborted);
            await context.Response.Body.WriteAsync(binary, context.RequestAborted);
        }
    }
}
