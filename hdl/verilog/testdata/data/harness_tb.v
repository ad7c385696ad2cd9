// Conformance harness for the UPEL IR document rooted at golden.data
// IR digest: sha256:c6195e677391f131d07eab066e5e28869ff0214b9b7709ad0c766e12f0b8fcbe
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

  // [0] golden.data.arm
  reg [1:0] f0_a0_0;
  reg [15:0] f0_a0_1;
  reg f0_a0_2;
  reg f0_a0_3;
  reg f0_a0_4;
  reg [1:0] f0_a1;
  wire [20:0] f0_result;
  wire [15:0] f0_err;
  golden_data_arm f0 (
    .c({f0_a0_4, f0_a0_3, f0_a0_2, f0_a0_1, f0_a0_0}),
    .slot(f0_a1),
    .result(f0_result),
    .err(f0_err)
  );

  // [1] golden.data.mode_of
  reg [1:0] f1_a0;
  wire [1:0] f1_result;
  wire [15:0] f1_err;
  golden_data_mode_of f1 (
    .x(f1_a0),
    .result(f1_result),
    .err(f1_err)
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
            r = $fscanf(fd, "%h", f0_a0_0);
            r = $fscanf(fd, "%h", f0_a0_1);
            r = $fscanf(fd, "%h", f0_a0_2);
            r = $fscanf(fd, "%h", f0_a0_3);
            r = $fscanf(fd, "%h", f0_a0_4);
            r = $fscanf(fd, "%h", f0_a1);
            #1;
            if (f0_err != 16'd0) $display("err %0d", f0_err);
            else $display("ok %0h %0h %0h %0h %0h", f0_result[1:0], f0_result[17:2], f0_result[18], f0_result[19], f0_result[20]);
          end
          1: begin
            r = $fscanf(fd, "%h", f1_a0);
            #1;
            if (f1_err != 16'd0) $display("err %0d", f1_err);
            else $display("ok %0h", f1_result);
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
