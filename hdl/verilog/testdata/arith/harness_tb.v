// Conformance harness for the UPEL IR document rooted at golden.arith
// IR digest: sha256:6c8b9eeb3339eec9a33e48b32d7cad56ab06cd680011bdef36fbb874af1987b6
//
// Reads the cases file named by the plusarg +cases=PATH (default cases.txt):
// one case per line, `<function index> <argument leaf hex>...`; prints one
// line per case on stdout: `ok <result leaf hex>...` or `err <decimal code>`
// (docs/backends.md, "Harness"). One instance per operator; the case drives
// the inputs of its instance, waits #1 for the combinational logic to settle,
// then reads `result` and `err`.
module harness_tb;
  integer fd;
  integer r;
  integer idx;
  integer done;
  reg [8*4096-1:0] path;

  // [0] golden.arith.mix
  reg [7:0] f0_a0;
  reg [15:0] f0_a1;
  reg [2:0] f0_a2;
  wire [31:0] f0_result;
  wire [15:0] f0_err;
  golden_arith_mix f0 (
    .a(f0_a0),
    .b(f0_a1),
    .s(f0_a2),
    .result(f0_result),
    .err(f0_err)
  );

  // [1] golden.arith.div_rem
  reg [7:0] f1_a0;
  reg [7:0] f1_a1;
  wire [7:0] f1_result;
  wire [15:0] f1_err;
  golden_arith_div_rem f1 (
    .a(f1_a0),
    .b(f1_a1),
    .result(f1_result),
    .err(f1_err)
  );

  // [2] golden.arith.clamp_pct
  reg [15:0] f2_a0;
  wire [7:0] f2_result;
  wire [15:0] f2_err;
  golden_arith_clamp_pct f2 (
    .x(f2_a0),
    .result(f2_result),
    .err(f2_err)
  );

  initial begin
    if (!$value$plusargs("cases=%s", path)) path = "cases.txt";
    fd = $fopen(path, "r");
    if (fd == 0) begin
      $display("harness: cannot open the cases file");
      $finish;
    end
    done = 0;
    while (done == 0) begin
      r = $fscanf(fd, "%d", idx);
      if (r != 1) begin
        done = 1;
      end else begin
        case (idx)
          0: begin
            r = $fscanf(fd, "%h", f0_a0);
            r = $fscanf(fd, "%h", f0_a1);
            r = $fscanf(fd, "%h", f0_a2);
            #1;
            if (f0_err != 16'd0) $display("err %0d", f0_err);
            else $display("ok %0h", f0_result);
          end
          1: begin
            r = $fscanf(fd, "%h", f1_a0);
            r = $fscanf(fd, "%h", f1_a1);
            #1;
            if (f1_err != 16'd0) $display("err %0d", f1_err);
            else $display("ok %0h", f1_result);
          end
          2: begin
            r = $fscanf(fd, "%h", f2_a0);
            #1;
            if (f2_err != 16'd0) $display("err %0d", f2_err);
            else $display("ok %0h", f2_result);
          end
          default: begin
            $display("harness: unknown function index %0d", idx);
            done = 1;
          end
        endcase
      end
    end
    $fclose(fd);
    $finish;
  end
endmodule
