namespace Toolchain.Tests; public class Smoke { [NUnit.Framework.Test] public void Builds() { NUnit.Framework.Assert.Pass(); } }
