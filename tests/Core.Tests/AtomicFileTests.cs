using Cltool.Core.Errors;
using Cltool.Core.IO;

namespace Cltool.Core.Tests;

public sealed class AtomicFileTests : IDisposable
{
    readonly TemporaryDirectory _temporary = new();

    public void Dispose() => _temporary.Dispose();

    [Fact]
    public void Writes_the_content_and_leaves_no_temporary_file()
    {
        string path = Path.Combine(_temporary.Path, "sub", "file.json");

        AtomicFile.WriteAllText(path, "{\"a\": 1}");

        Assert.Equal("{\"a\": 1}", File.ReadAllText(path));
        Assert.Equal(["file.json"], Directory.GetFiles(Path.GetDirectoryName(path)!).Select(Path.GetFileName));
    }

    [Fact]
    public void A_failing_writer_leaves_the_previous_file_intact_and_cleans_up()
    {
        string path = Path.Combine(_temporary.Path, "checkpoint.bin");
        AtomicFile.WriteAllBytes(path, [1, 2, 3]);

        var error = Assert.Throws<CltoolException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write(new byte[1000]);
            throw new IOException("No space left on device");
        }));

        Assert.Equal($"Could not write '{path}': No space left on device. The file that was there before is unchanged.", error.Message);
        Assert.Equal(new byte[] { 1, 2, 3 }, File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(_temporary.Path));
    }

    [Fact]
    public void Overwrites_an_existing_file_completely()
    {
        string path = Path.Combine(_temporary.Path, "model.onnx");
        AtomicFile.WriteAllBytes(path, new byte[4096]);

        AtomicFile.WriteAllBytes(path, [7]);

        Assert.Equal(new byte[] { 7 }, File.ReadAllBytes(path));
    }
}
