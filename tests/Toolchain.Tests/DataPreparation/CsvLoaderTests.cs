using NUnit.Framework;
using Toolchain.Data;
using Toolchain.Tests.Support;

namespace Toolchain.Tests.DataPreparation;

public sealed class CsvLoaderTests
{
    private static string Write(TempDirectory temp, string text, string name = "data.csv")
    {
        File.WriteAllText(temp.File(name), text);
        return temp.File(name);
    }

    [Test]
    public void Reads_the_header_target_and_every_numeric_feature_column()
    {
        using var temp = new TempDirectory();
        var path = Write(temp, """"
            id,sepal_length,name,"petal, width",species
            1,5.1,alice,0.2,setosa
            2,7.0,bob,1.4,versicolor

            3,6.3,"carol ""c""",2.5,virginica
            4,5.0,dave,0.3,setosa
            """");

        var data = CsvDataset.Load(path, "species", [], classification: true, labels: []);

        Assert.That(data.FeatureNames, Is.EqualTo(new[] { "id", "sepal_length", "petal, width" }), "text columns are left out, quoted names kept");
        Assert.That(data.IgnoredColumns, Is.EqualTo(new[] { "name" }));
        Assert.That(data.Features, Is.EqualTo(new[] { 1f, 5.1f, 0.2f, 2f, 7.0f, 1.4f, 3f, 6.3f, 2.5f, 4f, 5.0f, 0.3f }));
        Assert.That(data.ClassNames, Is.EqualTo(new[] { "setosa", "versicolor", "virginica" }), "class names sorted");
        Assert.That(data.Targets, Is.EqualTo(new[] { 0f, 1f, 2f, 0f }));
        Assert.That(data.Source, Is.EqualTo(path));
    }

    [Test]
    public void Listed_features_are_taken_in_the_listed_order_and_integer_classes_are_indices()
    {
        using var temp = new TempDirectory();
        var path = Write(temp, "a,b,c,label\n1,2,3,0\n4,5,6,2\n7,8,9,1\n");

        var data = CsvDataset.Load(path, "label", ["c", "a"], classification: true, labels: []);

        Assert.That(data.FeatureNames, Is.EqualTo(new[] { "c", "a" }));
        Assert.That(data.Features, Is.EqualTo(new[] { 3f, 1f, 6f, 4f, 9f, 7f }));
        Assert.That(data.ClassNames, Is.EqualTo(new[] { "0", "1", "2" }));
        Assert.That(data.Targets, Is.EqualTo(new[] { 0f, 2f, 1f }));
    }

    [Test]
    public void Data_labels_name_the_classes_in_their_order()
    {
        using var temp = new TempDirectory();
        var path = Write(temp, "x,y\n1,no\n2,yes\n3,1\n");
        var data = CsvDataset.Load(path, "y", [], classification: true, labels: ["no", "yes"]);
        Assert.That(data.Targets, Is.EqualTo(new[] { 0f, 1f, 1f }));

        var error = Assert.Throws<DataFormatException>(() => CsvDataset.Load(Write(temp, "x,y\n1,no\n2,maybe\n"), "y", [], true, ["no", "yes"]));
        Assert.That(error!.Message, Does.Contain("line 3").And.Contain("column 'y'").And.Contain("'maybe'"));
    }

    [Test]
    public void Regression_targets_are_values()
    {
        using var temp = new TempDirectory();
        var path = Write(temp, "x,y\n1,2.5\n2,-1e-3\n3,\n");
        var data = CsvDataset.Load(path, "y", [], classification: false, labels: []);
        Assert.That(data.ClassNames, Is.Null);
        Assert.That(data.Targets[..2], Is.EqualTo(new[] { 2.5f, -1e-3f }));
        Assert.That(float.IsNaN(data.Targets[2]), "a missing target stays missing for the cleaning step");
        Assert.That(data.MissingValues, Is.EqualTo(1));
    }

    [Test]
    public void A_ragged_row_is_an_error_naming_the_file_and_line()
    {
        using var temp = new TempDirectory();
        var path = Write(temp, "a,b,label\n1,2,0\n\n3,4,1\n5,1\n6,7,0\n");
        var error = Assert.Throws<DataFormatException>(() => CsvDataset.Load(path, "label", [], true, []));
        Assert.That(error!.Message, Is.EqualTo($"CSV file '{path}', line 5: expected 3 columns as in the header, got 2"));
    }

    [Test]
    public void Unknown_column_names_are_errors_naming_the_key_the_file_and_the_columns()
    {
        using var temp = new TempDirectory();
        var path = Write(temp, "a,b,label\n1,2,0\n");
        var target = Assert.Throws<DataFormatException>(() => CsvDataset.Load(path, "lable", [], true, []));
        Assert.That(target!.Message, Does.Contain(path).And.Contain("line 1").And.Contain("data.target 'lable' is not a column").And.Contain("a, b, label"));
        var feature = Assert.Throws<DataFormatException>(() => CsvDataset.Load(path, "label", ["a", "c"], true, []));
        Assert.That(feature!.Message, Does.Contain("data.features 'c' is not a column"));
    }

    [Test]
    public void Malformed_files_are_errors_naming_the_file_and_line()
    {
        using var temp = new TempDirectory();
        Assert.That(Assert.Throws<DataFormatException>(() => CsvTable.Read(Write(temp, "a,b\n1,\"2\n")))!.Message,
            Does.Contain("line 2, column 2").And.Contain("not closed"));
        Assert.That(Assert.Throws<DataFormatException>(() => CsvTable.Read(Write(temp, "a,a\n1,2\n")))!.Message,
            Does.Contain("line 1").And.Contain("'a' appears twice"));
        Assert.That(Assert.Throws<DataFormatException>(() => CsvTable.Read(Write(temp, "\n\n")))!.Message, Does.Contain("empty"));
        Assert.That(Assert.Throws<DataFormatException>(() => CsvTable.Read(temp.File("nope.csv")))!.Message, Does.Contain("nope.csv").And.Contain("does not exist"));
    }

    [Test]
    public void Missing_markers_and_text_in_numeric_columns_become_missing_values_and_are_counted()
    {
        using var temp = new TempDirectory();
        var path = Write(temp, "a,b,label\n1,NA,0\n?,2,1\nabc,3,0\n4,5,\n6,7,1\n");
        var data = CsvDataset.Load(path, "label", [], true, []);
        Assert.That(data.FeatureNames, Is.EqualTo(new[] { "a", "b" }), "'a' is mostly numbers, so one word in it is a bad value, not a text column");
        Assert.That(data.MissingValues, Is.EqualTo(3), "NA, ? and the empty label");
        Assert.That(data.NonNumericValues, Is.EqualTo(1), "abc");
        Assert.That(data.Features.Count(float.IsNaN), Is.EqualTo(3));
    }
}
