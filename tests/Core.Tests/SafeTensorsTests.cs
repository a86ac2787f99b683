using System.Buffers.Binary;
using System.Text;
using Cltool.Core.Errors;
using Cltool.Core.Weights;

namespace Cltool.Core.Tests;

public sealed class SafeTensorsTests : IDisposable
{
    readonly TemporaryDirectory _temporary = new();

    public void Dispose() => _temporary.Dispose();

    /// <summary>Writes a file byte by byte as the format specifies, independently of <see cref="SafeTensorsWriter"/>.</summary>
    string HandWritten(string header, byte[] data, string name = "hand.safetensors")
    {
        byte[] headerBytes = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + headerBytes.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)headerBytes.Length);
        headerBytes.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + headerBytes.Length);
        string path = _temporary.File(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    static byte[] Floats(params float[] values) => values.SelectMany(BitConverter.GetBytes).ToArray();

    [Fact]
    public void Reads_a_file_laid_out_by_hand_as_python_writes_it()
    {
        string path = HandWritten(
            "{\"__metadata__\":{\"format\":\"pt\"},\"b\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[8,20]}," +
            "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}",
            Floats(1.5f, -2f, 3f, 4f, 5f));

        using SafeTensorsFile file = SafeTensorsFile.Open(path);

        Assert.Equal(["a", "b"], file.Tensors.Select(t => t.Name));
        Assert.Equal(new[] { 1.5f, -2f }, file.ReadFloats("a"));
        Assert.Equal(new[] { 3f, 4f, 5f }, file.ReadFloats("b"));
        Assert.Equal("pt", file.Metadata["format"]);
    }

    [Theory]
    [InlineData("F32", 0.0)]
    [InlineData("F16", 1e-3)]
    [InlineData("BF16", 8e-3)]
    public void Float_tensors_round_trip_through_the_writer_within_the_dtype_precision(string dtype, double relativeTolerance)
    {
        float[] values = Enumerable.Range(0, 1000).Select(i => MathF.Sin(i) * (1 + i % 7)).ToArray();
        var writer = new SafeTensorsWriter().Add("w", values, [10, 100], dtype);
        writer.Metadata["cltool.format"] = "checkpoint";
        string path = _temporary.File($"{dtype}.safetensors");

        writer.Save(path);
        using SafeTensorsFile file = SafeTensorsFile.Open(path);
        float[] read = file.ReadFloats("w");

        Assert.Equal(dtype, file["w"].DType);
        Assert.Equal(new long[] { 10, 100 }, file["w"].Shape);
        Assert.Equal("checkpoint", file.Metadata["cltool.format"]);
        for (int i = 0; i < values.Length; i++)
            Assert.True(Math.Abs(read[i] - values[i]) <= relativeTolerance * Math.Abs(values[i]) + 1e-7, $"{dtype} value {i}: {read[i]} vs {values[i]}");
    }

    [Fact]
    public void Float64_tensors_round_trip_bit_for_bit_and_a_float32_tensor_is_not_read_as_one()
    {
        double[] values = [Math.PI, -1e-300, 1 / 3.0, 0, double.Epsilon, 123456789.123456789];
        string path = _temporary.File("f64.safetensors");
        new SafeTensorsWriter().Add("basis", values, [3, 2]).Add("f32", [1f], [1]).Save(path);

        using SafeTensorsFile file = SafeTensorsFile.Open(path);

        Assert.Equal("F64", file["basis"].DType);
        Assert.Equal(values, file.ReadDoubles("basis"));
        Assert.Contains("tensor 'f32' has dtype F32; expected F64", Assert.Throws<CltoolException>(() => file.ReadDoubles("f32")).Message);
    }

    [Fact]
    public void The_writer_pads_the_header_to_eight_bytes_with_spaces()
    {
        string path = _temporary.File("padded.safetensors");
        new SafeTensorsWriter().Add("x", [1f], [1]).Save(path);

        byte[] bytes = File.ReadAllBytes(path);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);

        Assert.Equal(0UL, headerLength % 8);
        Assert.Equal((byte)'{', bytes[8]);
        Assert.Equal(8 + (long)headerLength + 4, bytes.LongLength);
    }

    [Fact]
    public void Bf16_rounds_to_nearest_even()
    {
        // 1 + 2^-8 is exactly halfway between two bf16 values; ties go to the even mantissa (1.0).
        string path = _temporary.File("bf16.safetensors");
        new SafeTensorsWriter().Add("x", [1f + 1f / 256, 1f + 3f / 256], [2], "BF16").Save(path);

        using SafeTensorsFile file = SafeTensorsFile.Open(path);

        Assert.Equal(new[] { 1f, 1f + 4f / 256 }, file.ReadFloats("x"));
    }

    [Theory]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,12]}}", 8, "truncated: the tensors need 12 bytes of data, the file has 8")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 12, "4 bytes after the last tensor")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8, "needs 12 bytes, its offsets give 8")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, "starts at 4, expected 0")]
    [InlineData("{\"a\":{\"dtype\":\"Q4\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "unknown dtype 'Q4'")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, "'a' appears twice")]
    [InlineData("{\"__metadata__\":{\"epoch\":3}}", 0, "'epoch' is not a string")]
    [InlineData("[1, 2]", 0, "does not start with '{'")]
    [InlineData("{\"a\": nope}", 0, "the header is not JSON")]
    public void Invalid_files_are_refused_with_one_line_naming_the_file_and_the_problem(string header, int dataBytes, string problem)
    {
        string path = HandWritten(header, new byte[dataBytes]);

        var error = Assert.Throws<CltoolException>(() => SafeTensorsFile.Open(path).Dispose());

        Assert.Contains($"'{path}'", error.Message);
        Assert.Contains(problem, error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void A_file_cut_inside_its_header_is_reported_as_truncated()
    {
        string path = _temporary.File("cut.safetensors");
        new SafeTensorsWriter().Add("x", new float[100], [100]).Save(path);
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..20]);

        var error = Assert.Throws<CltoolException>(() => SafeTensorsFile.Open(path).Dispose());

        Assert.Contains("truncated", error.Message);
    }

    [Fact]
    public void A_missing_file_and_a_non_float_read_are_clear_errors()
    {
        string path = HandWritten("{\"ids\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}", new byte[8]);
        using SafeTensorsFile file = SafeTensorsFile.Open(path);

        Assert.Contains("does not exist", Assert.Throws<CltoolException>(() => SafeTensorsFile.Open(_temporary.File("none"))).Message);
        Assert.Contains("dtype I64; expected a float type", Assert.Throws<CltoolException>(() => file.ReadFloats("ids")).Message);
        Assert.Contains("no tensor 'nope'", Assert.Throws<CltoolException>(() => file.ReadFloats("nope")).Message);
        Assert.Equal(new byte[8], file.ReadRaw("ids"));
    }
}
