using NUnit.Framework;
using Toolchain.Data;
using Toolchain.Tests.Support;

namespace Toolchain.Tests.Data;

public sealed class IdxFileTests
{
    [TestCase("images.idx")]
    [TestCase("images.idx.gz")]
    public void Round_trips_plain_and_gzip_files(string name)
    {
        using var temp = new TempDirectory();
        var data = Enumerable.Range(0, 2 * 3 * 4).Select(i => (byte)i).ToArray();
        IdxFile.Write(temp.File(name), [2, 3, 4], data);
        var read = IdxFile.Read(temp.File(name));
        Assert.That(read.Dimensions, Is.EqualTo(new long[] { 2, 3, 4 }));
        Assert.That(read.Data, Is.EqualTo(data));
    }

    [Test]
    public void Rejects_a_truncated_file_naming_it_and_the_expected_size()
    {
        using var temp = new TempDirectory();
        IdxFile.Write(temp.File("t.idx"), [10, 4], new byte[40]);
        var bytes = File.ReadAllBytes(temp.File("t.idx"));
        File.WriteAllBytes(temp.File("t.idx"), bytes[..^5]);
        var error = Assert.Throws<DataFormatException>(() => IdxFile.Read(temp.File("t.idx")));
        Assert.That(error!.Message, Does.Contain("t.idx").And.Contain("expected 52").And.Contain("truncated"));
    }

    [Test]
    public void Rejects_garbage_naming_the_missing_magic_number()
    {
        using var temp = new TempDirectory();
        File.WriteAllText(temp.File("g.idx"), "this is not an idx file");
        var error = Assert.Throws<DataFormatException>(() => IdxFile.Read(temp.File("g.idx")));
        Assert.That(error!.Message, Does.Contain("g.idx").And.Contain("magic"));
    }

    [Test]
    public void Rejects_a_corrupt_gzip_stream()
    {
        using var temp = new TempDirectory();
        File.WriteAllBytes(temp.File("c.gz"), [0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5, 6, 7]);
        Assert.Throws<DataFormatException>(() => IdxFile.Read(temp.File("c.gz")));
    }

    [Test]
    public void A_missing_file_is_named()
    {
        var error = Assert.Throws<DataFormatException>(() => IdxFile.Read("/nonexistent/x.idx"));
        Assert.That(error!.Message, Does.Contain("/nonexistent/x.idx").And.Contain("does not exist"));
    }

    [Test]
    public void Image_and_label_count_mismatch_is_reported()
    {
        using var temp = new TempDirectory();
        IdxFile.Write(temp.File("train-images-idx3-ubyte.gz"), [3, 2, 2], new byte[12]);
        IdxFile.Write(temp.File("train-labels-idx1-ubyte.gz"), [2], new byte[2]);
        var error = Assert.Throws<DataFormatException>(() => FashionMnist.LoadTraining(temp.Path));
        Assert.That(error!.Message, Does.Contain("3 images").And.Contain("2 labels"));
    }

    [Test]
    public void Validation_split_is_deterministic_and_disjoint()
    {
        var a = DataSplit.Random(1000, 100, seed: 4);
        var b = DataSplit.Random(1000, 100, seed: 4);
        Assert.That(a.Validation, Is.EqualTo(b.Validation));
        Assert.That(a.Training.Intersect(a.Validation), Is.Empty);
        Assert.That(a.Training.Length + a.Validation.Length, Is.EqualTo(1000));
    }
}
