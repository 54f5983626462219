# Commands, needle patterns and asked texts are kept whole on one line each, as the tools print them.
# ruff: noqa: E501
"""The JVM: Maven (offline, from the local Maven repository) building and testing a Java shop written here,
with Surefire failures, -Xlint warnings, a compile error, a debug log; javac directly; a real JVM trace."""

from __future__ import annotations

from pathlib import Path

from .base import (
    ASSERTION,
    COUNT,
    ERROR,
    FAILING_TEST,
    LOCATION,
    VERSION,
    Case,
    N,
    first_match,
    need,
    sh,
    write_files,
)


def maven(tmp: Path) -> list[Case]:
    """A Java project written here, built offline by Maven: Surefire failures with a real JVM trace."""
    if not need("mvn", "java"):
        return []
    work = tmp / "shop"
    write_files(work, MAVEN_PROJECT)
    cases = []
    mvn = "mvn -o -B -Dstyle.color=never"
    asked = "Run the shop's Maven tests; I need the failing test methods and their messages."
    out = sh(f"{mvn} test", work)
    cases.append(Case("mvn_test_failures", out.text, "mvn test", kind="text", program="mvn", family="test-runner",
                      failing=True, exit_code=out.rc, asked=asked,
                      needles=[N("OrderServiceTest.checkoutAppliesDiscount:", FAILING_TEST),
                               N("expected: <81> but was: <90>", ASSERTION),
                               N("InventoryTest.reserveTooMany", FAILING_TEST),
                               N(first_match(r"^\[ERROR\] Tests run: \d+, Failures: \d+, Errors: \d+, Skipped: \d+$", out.text), COUNT),
                               N("BUILD FAILURE", COUNT)]))
    out = sh(f"{mvn} -X test 2>&1 | tail -c 280000", work)
    cases.append(Case("mvn_debug_test_tail", out.text, "mvn -X test 2>&1 | tail -c 280000", kind="text", program="mvn",
                      family="test-runner", failing=True, exit_code=out.rc, asked=asked,
                      needles=[N("OrderServiceTest.checkoutAppliesDiscount:", FAILING_TEST),
                               N("expected: <81> but was: <90>", ASSERTION),
                               N(first_match(r"^\[ERROR\] Tests run: \d+, Failures: \d+, Errors: \d+, Skipped: \d+$", out.text), COUNT)]))
    report = work / "target/surefire-reports/shop.OrderServiceTest.txt"
    if report.exists():
        text = report.read_text()
        cases.append(Case("surefire_report_read", text, tool="Read", tool_input={"file_path": str(report)},
                          kind="text", program="surefire report", family="test-runner", failing=True,
                          asked="Open the Surefire report of OrderServiceTest.",
                          needles=[N("checkoutAppliesDiscount", FAILING_TEST), N("expected: <81> but was: <90>", ASSERTION)],
                          source="Read of the report mvn test wrote"))
    out = sh("java -cp target/classes shop.Main", work)
    cases.append(Case("java_stacktrace", out.text, "java -cp target/classes shop.Main", kind="traceback", program="java",
                      family="runtime", failing=True, exit_code=out.rc, asked="The shop's main crashes at checkout; why?",
                      needles=[N("java.lang.IllegalStateException: order ord_5521 has no payment", ERROR),
                               N("OrderService.java:", LOCATION), N("Caused by: java.lang.ArithmeticException", ERROR)]))
    out = sh(f"{mvn} dependency:tree", work)
    if "BUILD SUCCESS" in out.text:
        cases.append(Case("mvn_dependency_tree", out.text, "mvn dependency:tree", kind="text", program="mvn",
                          family="package-manager", exit_code=out.rc, asked="Which junit-jupiter-api version does the shop pull in?",
                          needles=[N(first_match(r"org\.junit\.jupiter:junit-jupiter-api:jar:[\d.]+:test", out.text), VERSION)]))
    pom = (work / "pom.xml").read_text()
    (work / "pom.xml").write_text(pom.replace("<artifactId>maven-compiler-plugin</artifactId><version>3.13.0</version>",
                                              "<artifactId>maven-compiler-plugin</artifactId><version>3.13.0</version>"
                                              "<configuration><compilerArgs><arg>-Xlint:all</arg></compilerArgs></configuration>"))
    (work / "src/main/java/shop/Legacy.java").write_text(
        "package shop;\n\nimport java.util.ArrayList;\nimport java.util.List;\n\npublic class Legacy implements java.io.Serializable {\n"
        "    public List skus() {\n        List out = new ArrayList();\n        out.add(\"A-1\");\n        return out;\n    }\n"
        "    @Deprecated public int oldTotal(Integer n) { return new Integer(n); }\n}\n")
    out = sh(f"{mvn} clean test", work)
    cases.append(Case("mvn_warnings_then_failures", out.text, "mvn clean test", kind="text", program="mvn",
                      family="build", failing=True, exit_code=out.rc, asked=asked,
                      needles=[N(first_match(r"^\[WARNING\] .*Legacy\.java:\[\d+,\d+\] .+$", out.text)[:100], ERROR),
                               N("OrderServiceTest.checkoutAppliesDiscount:", FAILING_TEST),
                               N("expected: <81> but was: <90>", ASSERTION),
                               N(first_match(r"^\[ERROR\] Tests run: \d+, Failures: \d+, Errors: \d+, Skipped: \d+$", out.text), COUNT)]))
    (work / "pom.xml").write_text(pom)
    (work / "src/main/java/shop/Legacy.java").unlink()
    broken = work / "src/main/java/shop/Broken.java"
    broken.write_text("package shop;\n\npublic class Broken {\n    int total(java.util.List<String> xs) {\n"
                      "        int sum = 0;\n        for (String x : xs) sum += x;\n        return sum.length();\n    }\n}\n")
    out = sh("javac -d /tmp/ctxlean-javac src/main/java/shop/*.java", work)
    cases.append(Case("javac_errors", out.text, "javac -d out src/main/java/shop/*.java", kind="compiler", program="javac",
                      family="compiler", failing=True, exit_code=out.rc, asked="javac fails on Broken.java; what are the errors?",
                      needles=[N(first_match(r"^src/main/java/shop/Broken\.java:\d+: error: .+$", out.text), ERROR),
                               N(first_match(r"^\d+ errors?$", out.text), COUNT)]))
    broken.unlink()
    (work / "src/main/java/shop/Inventory.java").write_text(
        (work / "src/main/java/shop/Inventory.java").read_text().replace("return stock.getOrDefault(sku, 0);",
                                                                          "return stock.getOrDefault(sku, \"0\");"))
    out = sh(f"{mvn} compile", work)
    cases.append(Case("mvn_compile_error", out.text, "mvn compile", kind="text", program="mvn", family="compiler",
                      failing=True, exit_code=out.rc, asked="mvn compile fails after my change to Inventory; where?",
                      needles=[N(first_match(r"Inventory\.java:\[\d+,\d+\]", out.text), LOCATION),
                               N("COMPILATION ERROR", ERROR),
                               N(first_match(r"incompatible types: .+$", out.text), ERROR)]))
    return cases


MAVEN_PROJECT = {
    "pom.xml": """
        <project xmlns="http://maven.apache.org/POM/4.0.0">
          <modelVersion>4.0.0</modelVersion>
          <groupId>dev.ctxlean</groupId>
          <artifactId>shop</artifactId>
          <version>1.0</version>
          <properties>
            <maven.compiler.release>17</maven.compiler.release>
            <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
          </properties>
          <dependencies>
            <dependency>
              <groupId>org.junit.jupiter</groupId>
              <artifactId>junit-jupiter</artifactId>
              <version>5.10.2</version>
              <scope>test</scope>
            </dependency>
          </dependencies>
          <build>
            <plugins>
              <plugin><artifactId>maven-resources-plugin</artifactId><version>3.3.1</version></plugin>
              <plugin><artifactId>maven-compiler-plugin</artifactId><version>3.13.0</version></plugin>
              <plugin><artifactId>maven-surefire-plugin</artifactId><version>3.2.5</version></plugin>
            </plugins>
          </build>
        </project>
        """,
    "src/main/java/shop/Inventory.java": """
        package shop;

        import java.util.HashMap;
        import java.util.Map;

        public class Inventory {
            private final Map<String, Integer> stock = new HashMap<>();

            public void add(String sku, int n) { stock.merge(sku, n, Integer::sum); }

            public int available(String sku) {
                return stock.getOrDefault(sku, 0);
            }

            public void reserve(String sku, int n) {
                int have = available(sku);
                if (n > have + 1) {
                    throw new IllegalArgumentException("cannot reserve " + n + " of " + sku + ": " + have + " left");
                }
                stock.put(sku, have - n);
            }
        }
        """,
    "src/main/java/shop/OrderService.java": """
        package shop;

        public class OrderService {
            private final Inventory inventory;

            public OrderService(Inventory inventory) { this.inventory = inventory; }

            public int checkout(String orderId, String sku, int qty, int unitPrice, String code) {
                inventory.reserve(sku, qty);
                int total = qty * unitPrice;
                if ("SAVE19".equals(code)) {
                    total = total - total / 10;
                }
                return total;
            }

            public int split(String orderId, int total, int ways) {
                try {
                    return total / ways;
                } catch (ArithmeticException e) {
                    throw new IllegalStateException("order " + orderId + " has no payment", e);
                }
            }
        }
        """,
    "src/main/java/shop/Main.java": """
        package shop;

        public class Main {
            public static void main(String[] args) {
                Inventory inventory = new Inventory();
                inventory.add("A-1", 10);
                OrderService orders = new OrderService(inventory);
                for (int i = 0; i < 40; i++) {
                    System.out.println("checkout ord_" + (5500 + i) + ": " + orders.checkout("ord_" + (5500 + i), "A-1", 0, 100, ""));
                }
                System.out.println(orders.split("ord_5521", 100, 0));
            }
        }
        """,
    "src/test/java/shop/OrderServiceTest.java": """
        package shop;

        import static org.junit.jupiter.api.Assertions.assertEquals;

        import org.junit.jupiter.api.Test;
        import org.junit.jupiter.params.ParameterizedTest;
        import org.junit.jupiter.params.provider.ValueSource;

        class OrderServiceTest {
            private OrderService service() {
                Inventory inventory = new Inventory();
                inventory.add("A-1", 100);
                return new OrderService(inventory);
            }

            @Test
            void checkoutWithoutCode() { assertEquals(300, service().checkout("ord_1", "A-1", 3, 100, "")); }

            @Test
            void checkoutAppliesDiscount() { assertEquals(81, service().checkout("ord_2", "A-1", 1, 100, "SAVE19")); }

            @ParameterizedTest
            @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20})
            void checkoutScales(int qty) { assertEquals(qty * 100, service().checkout("ord_" + qty, "A-1", qty, 100, "")); }
        }
        """,
    "src/test/java/shop/InventoryTest.java": """
        package shop;

        import static org.junit.jupiter.api.Assertions.assertEquals;
        import static org.junit.jupiter.api.Assertions.assertThrows;

        import org.junit.jupiter.api.Test;

        class InventoryTest {
            @Test
            void addsUp() {
                Inventory inventory = new Inventory();
                inventory.add("B-2", 2);
                inventory.add("B-2", 3);
                assertEquals(5, inventory.available("B-2"));
            }

            @Test
            void reserveTooMany() {
                Inventory inventory = new Inventory();
                inventory.add("B-2", 2);
                assertThrows(IllegalArgumentException.class, () -> inventory.reserve("B-2", 3));
            }
        }
        """,
}

BUILDERS = {"maven": maven}
