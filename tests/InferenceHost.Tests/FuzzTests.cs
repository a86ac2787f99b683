using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using CsCheck;

namespace Cltool.InferenceHost.Tests;

/// <summary>
/// Hostile clients against the real server: seeded, bounded property tests (CsCheck; a failure prints the shrunk input
/// and its seed). The property everywhere: the answer is 200 or a 4xx with a JSON error, never a 5xx, for anything a
/// client can send.
/// </summary>
[Trait("Category", "Fuzz")]
public sealed class FuzzTests(RunningServer server) : IClassFixture<RunningServer>
{
    const int Iterations = 250;
    readonly FuzzReport _report = new();
    static readonly byte[] ValidInfer = Encoding.UTF8.GetBytes(RunningServer.InferBody(RunningServer.RandomImages(1, 3), 1, classification: 2).ToJsonString());
    static readonly byte[][] ValidImages = [RunningServer.Png(20, 12), Encoded(SkiaSharp.SKEncodedImageFormat.Jpeg), Encoded(SkiaSharp.SKEncodedImageFormat.Webp)];

    public static TheoryData<string, string> BodiesThatOnceAnswered500 => new()
    {
        { "inputs.0", "'inputs' must hold a tensor object, got null." },
        { "outputs.0", "'outputs' must hold objects naming an output, got null." },
        { "outputs.0.parameters", "output parameters must be an object, got null." },
    };

    [Theory]
    [MemberData(nameof(BodiesThatOnceAnswered500))]
    public async Task The_bodies_that_once_answered_500_are_400_naming_the_field(string field, string error)
    {
        object[] path = field.Split('.').Select(step => int.TryParse(step, out int index) ? (object)index : step).ToArray();

        (HttpStatusCode status, string text) = await Post("/v2/models/tiny/infer", Encoding.UTF8.GetBytes(Replace(path, null).ToJsonString()));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(error, JsonNode.Parse(text)!["error"]!.GetValue<string>());
    }

    [Fact]
    public async Task Byte_mutations_of_a_valid_infer_body_never_answer_5xx()
    {
        await FuzzCases.RunAsync(ByteMutations.Of(ValidInfer), Iterations, body => ExpectClientAnswer("/v2/models/tiny/infer", body), Print);
        await ExpectStillServing();
    }

    [Fact]
    public async Task Any_json_in_any_field_of_an_infer_body_never_answers_5xx()
    {
        await FuzzCases.RunAsync(Gen.Select(Gen.OneOf(Fields), Json), Iterations,
            c => ExpectClientAnswer("/v2/models/tiny/infer", Encoding.UTF8.GetBytes(Replace(c.Item1, c.Item2).ToJsonString())),
            c => $"{string.Join(".", c.Item1)} = {c.Item2?.ToJsonString() ?? "null"}");
        await ExpectStillServing();
    }

    [Fact]
    public async Task Corrupted_and_truncated_png_jpeg_and_webp_uploads_never_answer_5xx()
    {
        Gen<byte[]> uploads = Gen.OneOf(ValidImages.Select(image => ByteMutations.Damaged(image, focus: 64)).ToArray());
        await FuzzCases.RunAsync(uploads, 2 * Iterations, body => ExpectClientAnswer("/v1/models/tiny/classify", body), Print);
        await ExpectStillServing();
    }

    [Fact]
    public async Task Damaged_multipart_bodies_bmp_files_and_extreme_dimensions_never_answer_5xx()
    {
        const string boundary = "cltool-fuzz-boundary";
        byte[] multipart = Multipart(RunningServer.Png(20, 12), boundary);
        string formType = $"multipart/form-data; boundary={boundary}";
        Gen<(string ContentType, byte[] Body)> uploads = Gen.OneOf(
            ByteMutations.Damaged(multipart, focus: 160).Select(body => (formType, body)),
            Gen.OneOf("multipart/form-data", "multipart/form-data; boundary=", "multipart/form-data; boundary=other",
                      "multipart/form-data; boundary=" + new string('b', 300), "application/x-www-form-urlencoded").Select(type => (type, multipart)),
            ByteMutations.Damaged(Bmp(20, 12, 20, 12), focus: 54).Select(body => (Octets, body)),
            Gen.Select(Gen.OneOf(0, 1, -1, 65535, 100_000, int.MaxValue, int.MinValue), Gen.OneOf(0, 1, -12, 65535, 100_000, int.MaxValue))
                .Select((width, height) => (Octets, Bmp(width, height, 20, 12))));
        await FuzzCases.RunAsync(uploads, Iterations, upload => ExpectClientAnswer("/v1/models/tiny/classify", upload.Body, upload.ContentType),
            upload => $"{upload.ContentType}: {Print(upload.Body)}");
        await ExpectStillServing();
    }

    [Fact]
    public async Task Damaged_binary_tensor_bodies_and_header_lengths_never_answer_5xx()
    {
        (byte[] valid, string headerLength) = BinaryTensorTests.BinaryRequest(RunningServer.RandomImages(1, 5), 1,
            requestParameters: new JsonObject { ["binary_data_output"] = true });
        Gen<string> lengths = Gen.OneOf(Gen.Const(headerLength), Gen.Int[-2, valid.Length + 2].Select(n => n.ToString()), Gen.OneOf("", "x", "1e3", "99999999999"));
        Gen<(byte[] Body, string Length)> bodies = Gen.Select(ByteMutations.Damaged(valid, focus: int.Parse(headerLength)), lengths);

        await FuzzCases.RunAsync(bodies, Iterations, c => ExpectClientAnswer("/v2/models/tiny/infer", c.Body, Octets, c.Length),
            c => $"{BinaryTensorTests.HeaderLength}: {c.Length}; {Print(c.Body)}");
        await ExpectStillServing();
    }

    const string Octets = "application/octet-stream";

    /// <summary>A multipart/form-data body with one file field holding <paramref name="file"/>.</summary>
    static byte[] Multipart(byte[] file, string boundary) =>
    [
        .. Encoding.ASCII.GetBytes($"--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"x.png\"\r\nContent-Type: image/png\r\n\r\n"),
        .. file,
        .. Encoding.ASCII.GetBytes($"\r\n--{boundary}--\r\n"),
    ];

    /// <summary>A 24-bit BMP whose header declares <paramref name="width"/> × <paramref name="height"/> and holds pixels for <paramref name="realWidth"/> × <paramref name="realHeight"/>.</summary>
    static byte[] Bmp(int width, int height, int realWidth, int realHeight)
    {
        int stride = (realWidth * 3 + 3) / 4 * 4, pixels = stride * realHeight;
        var bmp = new byte[54 + pixels];
        void Put(int at, int value) => BitConverter.GetBytes(value).CopyTo(bmp, at);
        bmp[0] = (byte)'B';
        bmp[1] = (byte)'M';
        Put(2, bmp.Length);
        Put(10, 54);
        Put(14, 40);
        Put(18, width);
        Put(22, height);
        BitConverter.GetBytes((short)1).CopyTo(bmp, 26);
        BitConverter.GetBytes((short)24).CopyTo(bmp, 28);
        Put(34, pixels);
        for (int i = 54; i < bmp.Length; i++) bmp[i] = (byte)(i * 7);
        return bmp;
    }

    /// <summary>Where a generated value goes: a path of property names and array indexes into a valid body (empty: the whole body).</summary>
    static readonly object[][] Fields =
    [
        [], ["id"], ["inputs"], ["inputs", 0], ["inputs", 0, "name"], ["inputs", 0, "datatype"], ["inputs", 0, "shape"],
        ["inputs", 0, "shape", 0], ["inputs", 0, "shape", 2], ["inputs", 0, "data"], ["inputs", 0, "data", 0], ["outputs"],
        ["outputs", 0], ["outputs", 0, "name"], ["outputs", 0, "parameters"], ["outputs", 0, "parameters", "classification"],
    ];

    /// <summary>Any JSON: nulls, booleans, extreme and negative numbers, strings, and nested arrays and objects.</summary>
    static readonly Gen<JsonNode?> Json = Gen.Recursive<JsonNode?>((depth, inner) => Gen.OneOf(
        Gen.Const((JsonNode?)null),
        Gen.Bool.Select(b => (JsonNode?)JsonValue.Create(b)),
        Gen.OneOf(0.0, -1.0, 1.0, 0.5, 1e308, -1e308, 4294967296.0, 9.2e18, 1e-320).Select(n => (JsonNode?)JsonValue.Create(n)),
        Gen.Int.Select(n => (JsonNode?)JsonValue.Create(n)),
        Gen.OneOf("", "pixel_values", "logits", "FP32", "INT64", "BYTES", "\u0000", new string('x', 5000)).Select(s => (JsonNode?)JsonValue.Create(s)),
        depth > 3 ? Gen.Const((JsonNode?)null) : inner.Array[0, 4].Select(items => (JsonNode?)new JsonArray(items.Select(i => i?.DeepClone()).ToArray())),
        depth > 3 ? Gen.Const((JsonNode?)null) : Gen.Select(Gen.OneOf("name", "shape", "data", "classification", "x"), inner).Array[0, 3]
            .Select(pairs => (JsonNode?)new JsonObject(pairs.DistinctBy(p => p.Item1).Select(p => KeyValuePair.Create(p.Item1, p.Item2?.DeepClone()))))));

    static JsonNode Replace(object[] field, JsonNode? value)
    {
        JsonNode body = JsonNode.Parse(ValidInfer)!;
        if (field.Length == 0) return value ?? JsonValue.Create("null")!;
        JsonNode parent = field[..^1].Aggregate(body, (node, step) => step is int index ? node[index]! : node[(string)step]!);
        if (field[^1] is int position) parent[position] = value?.DeepClone();
        else parent[(string)field[^1]] = value?.DeepClone();
        return body;
    }

    async Task ExpectClientAnswer(string path, byte[] body, string? contentType = null, string? headerLength = null)
    {
        (HttpStatusCode status, string text) = await Post(path, body, contentType, headerLength);
        int code = (int)status;
        _report.Count(code.ToString());
        Assert.True(code == 200 || (code >= 400 && code < 500), $"{code} {text}");
        if (code != 200) Assert.NotNull(JsonNode.Parse(text)!["error"]);
    }

    async Task<(HttpStatusCode, string)> Post(string path, byte[] body, string? contentType = null, string? headerLength = null)
    {
        using var content = new ByteArrayContent(body);
        if (headerLength is not null) content.Headers.TryAddWithoutValidation(BinaryTensorTests.HeaderLength, headerLength);
        content.Headers.TryAddWithoutValidation("Content-Type", contentType ?? (path.EndsWith("classify", StringComparison.Ordinal) ? Octets : "application/json"));
        using HttpResponseMessage response = await server.Client.PostAsync(path, content);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>After the hostile requests, a valid one is still answered; the long run reports the statuses.</summary>
    async Task ExpectStillServing([System.Runtime.CompilerServices.CallerMemberName] string test = "")
    {
        _report.Write(test);
        (HttpStatusCode status, string text) = await Post("/v2/models/tiny/infer", ValidInfer);
        Assert.True(status == HttpStatusCode.OK, text);
    }

    static byte[] Encoded(SkiaSharp.SKEncodedImageFormat format)
    {
        using var bitmap = SkiaSharp.SKBitmap.Decode(RunningServer.Png(20, 12));
        using SkiaSharp.SKData data = bitmap.Encode(format, 90);
        return data.ToArray();
    }

    static string Print(byte[] body) => Encoding.UTF8.GetString(body.Length > 600 ? body[..600] : body);
}
