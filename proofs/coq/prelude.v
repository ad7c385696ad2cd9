(* UPEL Coq model, prelude: the outcome monad and the integer operations of
   upel/interp/intops.py. Values are mathematical integers (Z) that always lie
   in the value set of their type; each definition below mirrors the
   reference interpreter exactly, written so that lia can reason about it
   (modulus and powers are passed in as precomputed literals). *)
Require Import ZArith Lia Bool List.
Import ListNotations.
Open Scope Z_scope.

Inductive Out (A : Type) : Type := Ok : A -> Out A | Err : Z -> Out A.
Arguments Ok {A} _.
Arguments Err {A} _.

(* Strict left-to-right sequencing: the first error ends the evaluation. *)
Definition bind {A B : Type} (m : Out A) (f : A -> Out B) : Out B :=
  match m with Ok v => f v | Err c => Err c end.

Definition out_eqb {A : Type} (eq : A -> A -> bool) (a b : Out A) : bool :=
  match a, b with
  | Ok x, Ok y => eq x y
  | Err c, Err d => Z.eqb c d
  | _, _ => false
  end.

(* Checked result against a value set [lo, hi]: overflow (1). *)
Definition chk (lo hi v : Z) : Out Z :=
  if lo <=? v then (if v <=? hi then Ok v else Err 1) else Err 1.

(* Value-preserving conversion into a newtype: range (3). *)
Definition to_range (lo hi v : Z) : Out Z :=
  if lo <=? v then (if v <=? hi then Ok v else Err 3) else Err 3.

(* Two's complement truncation to a width with modulus m = 2^w. *)
Definition wrap_u (m v : Z) : Z := v mod m.
Definition wrap_s (m v : Z) : Z :=
  let r := v mod m in if m / 2 <=? r then r - m else r.

Definition clamp (lo hi v : Z) : Z := Z.max lo (Z.min hi v).

(* Z.quot truncates toward zero and Z.rem takes the dividend's sign,
   exactly like trunc_div / rem of intops.py. *)
Definition op_div (lo hi a b : Z) : Out Z :=
  if b =? 0 then Err 2 else chk lo hi (Z.quot a b).
Definition op_rem (lo hi a b : Z) : Out Z :=
  if b =? 0 then Err 2 else chk lo hi (Z.rem a b).

(* Shifts by a variable amount n (w the width, m = 2^w). *)
Definition shl_u (w m a n : Z) : Z := if w <=? n then 0 else wrap_u m (Z.shiftl a n).
Definition shl_s (w m a n : Z) : Z := if w <=? n then 0 else wrap_s m (Z.shiftl a n).
Definition shr_u (w a n : Z) : Z := if w <=? n then 0 else Z.shiftr a n.
Definition shr_s (w a n : Z) : Z :=
  if w <=? n then (if a <? 0 then -1 else 0) else Z.shiftr a n.

Fixpoint popc (n : nat) (x : Z) : Z :=
  match n with O => 0 | S k => (if Z.odd x then 1 else 0) + popc k (Z.div2 x) end.
(* popcount of the w-bit pattern of a (m = 2^w). *)
Definition popcount (w m a : Z) : Z := popc (Z.to_nat w) (a mod m).
Definition bit (w a i : Z) : bool := (i <? w) && Z.testbit a i.

Definition in_set (v : Z) (members : list Z) : bool := existsb (Z.eqb v) members.
Definition enum_from (members : list Z) (v : Z) : Out Z :=
  if in_set v members then Ok v else Err 6.

Fixpoint list_eqb {A : Type} (eq : A -> A -> bool) (a b : list A) : bool :=
  match a, b with
  | [], [] => true
  | x :: r, y :: s => eq x y && list_eqb eq r s
  | _, _ => false
  end.

Definition op_index {A : Type} (arr : list A) (i : Z) : Out A :=
  if i <? 0 then Err 4 else
  match nth_error arr (Z.to_nat i) with Some v => Ok v | None => Err 4 end.

Fixpoint upd_nth {A : Type} (n : nat) (v : A) (l : list A) : list A :=
  match l, n with
  | [], _ => []
  | _ :: r, O => v :: r
  | x :: r, S k => x :: upd_nth k v r
  end.
Definition op_upd {A : Type} (arr : list A) (i : Z) (v : A) : Out (list A) :=
  if (i <? 0) || (Z.of_nat (length arr) <=? i) then Err 4 else Ok (upd_nth (Z.to_nat i) v arr).

(* fold i in lo..lo+n: the body sees the index and the accumulator. *)
Fixpoint mfold {A : Type} (f : Z -> A -> Out A) (i : Z) (n : nat) (acc : A) : Out A :=
  match n with
  | O => Ok acc
  | S k => bind (f i acc) (fun a => mfold f (i + 1) k a)
  end.

(* ---- proof by reflection over finite input domains ------------------- *)
Fixpoint zall (f : Z -> bool) (lo : Z) (n : nat) : bool :=
  match n with O => true | S k => if f lo then zall f (lo + 1) k else false end.

Lemma zall_ok : forall n f lo, zall f lo n = true ->
  forall x, lo <= x < lo + Z.of_nat n -> f x = true.
Proof.
  induction n as [|n IH]; intros f lo H x Hx; simpl in *.
  - lia.
  - destruct (f lo) eqn:E; [|discriminate].
    destruct (Z.eq_dec x lo) as [->|Hne]; [exact E|].
    apply (IH f (lo + 1)); [exact H|lia].
Qed.

Lemma zrange_ok : forall f lo hi, zall f lo (Z.to_nat (hi - lo + 1)) = true ->
  forall x, lo <= x <= hi -> f x = true.
Proof.
  intros f lo hi H x Hx. apply (zall_ok _ f lo H). rewrite Z2Nat.id; lia.
Qed.

Fixpoint lall {A : Type} (f : A -> bool) (l : list A) : bool :=
  match l with [] => true | x :: r => if f x then lall f r else false end.

Lemma lall_ok : forall A (f : A -> bool) l, lall f l = true -> forall x, In x l -> f x = true.
Proof.
  induction l as [|y r IH]; simpl; intros H x Hx; [contradiction|].
  destruct (f y) eqn:E; [|discriminate].
  destruct Hx as [<-|Hx]; [exact E|exact (IH H x Hx)].
Qed.

Lemma bool_in : forall b : bool, In b [true; false].
Proof. destruct b; simpl; auto. Qed.

(* The same enumerations as searches: the first input a check rejects. *)
Fixpoint zfind {A : Type} (f : Z -> option A) (lo : Z) (n : nat) : option A :=
  match n with
  | O => None
  | S k => match f lo with Some a => Some a | None => zfind f (lo + 1) k end
  end.
Fixpoint lfind {A B : Type} (f : A -> option B) (l : list A) : option B :=
  match l with
  | [] => None
  | x :: r => match f x with Some b => Some b | None => lfind f r end
  end.

(* ---- symbolic proof automation ---------------------------------------- *)
(* Division and remainder as linear facts about the (kept) terms Z.quot a b
   and Z.rem a b, so that lia can use them while the case analysis runs (to
   cut infeasible branches early), not only at the leaves. *)
Lemma quot_rem_facts : forall a b, b <> 0 ->
  a = b * Z.quot a b + Z.rem a b /\ Z.abs (Z.rem a b) < Z.abs b /\
  (0 <= a -> 0 <= Z.rem a b) /\ (a <= 0 -> Z.rem a b <= 0).
Proof.
  intros a b Hb. split; [apply Z.quot_rem'|]. split; [apply Z.rem_bound_abs; exact Hb|].
  split; intros; [apply Z.rem_nonneg | apply Z.rem_nonpos]; assumption.
Qed.

Lemma div_mod_facts : forall a b, 0 < b -> a = b * (a / b) + a mod b /\ 0 <= a mod b < b.
Proof.
  intros a b Hb. split; [apply Z.div_mod; lia | apply Z.mod_pos_bound; exact Hb].
Qed.

(* A term without variables: its value can be computed (a test so is decided
   without a split). *)
Ltac upel_closed c := assert_fails (idtac; match c with context [?x] => is_var x end).

(* Each fact is added once, and only where the divisor is provably non-zero
   (the model tests b =? 0 before dividing, so the branch knows it). A
   constant divisor is checked by computing, not by lia: most divisors are
   constants, and lia costs about 0.3 s in the large contexts of bit-level
   lemmas (a quarter of encode_decode_roundtrip's time went there). *)
Ltac upel_qr a b :=
  lazymatch goal with
  | _ : a = b * Z.quot a b + Z.rem a b /\ _ |- _ => fail
  | _ => let nz := fresh "nz" in
         assert (nz : b <> 0) by first [upel_closed b; vm_compute; discriminate | lia];
         pose proof (quot_rem_facts a b nz); clear nz
  end.
Ltac upel_dm a b :=
  lazymatch goal with
  | _ : a = b * (a / b) + a mod b /\ _ |- _ => fail
  | _ => let nz := fresh "nz" in
         assert (nz : 0 < b) by first [upel_closed b; vm_compute; reflexivity | lia];
         pose proof (div_mod_facts a b nz); clear nz
  end.
Ltac upel_divfacts :=
  repeat match goal with
  | |- context [Z.rem ?a ?b] => upel_qr a b
  | |- context [Z.quot ?a ?b] => upel_qr a b
  | _ : context [Z.rem ?a ?b] |- _ => upel_qr a b
  | _ : context [Z.quot ?a ?b] |- _ => upel_qr a b
  | |- context [?a mod ?b] => upel_dm a b
  | |- context [?a / ?b] => upel_dm a b
  | _ : context [?a mod ?b] |- _ => upel_dm a b
  | _ : context [?a / ?b] |- _ => upel_dm a b
  end.

Ltac upel_hyps :=
  repeat match goal with
  | H : Ok _ = Ok _ |- _ => injection H as H
  | H : Ok _ = Err _ |- _ => discriminate H
  | H : Err _ = Ok _ |- _ => discriminate H
  | H : Err _ = Err _ |- _ => injection H as H
  | H : In _ _ |- _ => simpl in H; decompose [or] H; clear H
  | H : False |- _ => contradiction
  end; subst.

(* Enum inputs: `In x [members]` is kept whole while the branches are split,
   as `member x l` (which upel_hyps does not decompose), with the bounds
   min <= x <= max for lia. Splitting it up front multiplies every later
   case analysis by the number of members, mostly for nothing (a record's
   currency that is only copied); the leaves that need the member values
   get them in upel_leaf. *)
Definition member (x : Z) (l : list Z) : Prop := In x l.

Lemma member_range : forall x l lo hi,
  lall (fun v => (lo <=? v) && (v <=? hi)) l = true -> In x l -> lo <= x <= hi.
Proof.
  intros x l lo hi H Hx. pose proof (lall_ok _ _ _ H x Hx) as E; cbv beta in E.
  apply andb_prop in E; destruct E as [E1 E2].
  split; [apply Z.leb_le | apply Z.leb_le]; assumption.
Qed.

Ltac upel_members :=
  repeat match goal with
  | H : In ?x ?l |- _ =>
      let lo := eval vm_compute in (fold_right Z.min (hd 0 l) l) in
      let hi := eval vm_compute in (fold_right Z.max (hd 0 l) l) in
      pose proof (member_range x l lo hi eq_refl H);
      change (In x l) with (member x l) in H
  end.

(* A small integer input that indexes an array is split into its values up
   front (lemmas.py `index_leaves`): with a symbolic index, nth and the update
   of a list are stuck matches that no case analysis on tests reaches. *)
Fixpoint zseq (lo : Z) (n : nat) : list Z := match n with O => [] | S k => lo :: zseq (lo + 1) k end.
Lemma zseq_in : forall n lo x, lo <= x < lo + Z.of_nat n -> In x (zseq lo n).
Proof.
  induction n as [|n IH]; intros lo x H; simpl; [lia|].
  destruct (Z.eq_dec lo x); [left; assumption | right; apply IH; lia].
Qed.
Ltac upel_index_split x lo n :=
  let H := fresh "Hx" in
  assert (H : In x (zseq lo n)) by (apply zseq_in; lia);
  vm_compute in H;
  repeat match type of H with
  | _ \/ _ => destruct H as [<-|H]
  | False => destruct H
  end.

(* An infeasible branch is closed as soon as it appears: without this the
   number of paths grows with every test, feasible or not. *)
Ltac upel_prune := try (exfalso; lia).

(* A comparison that lia decides from the branch's hypotheses is rewritten
   to its value, keeping the fact; only an undecided one is split, through
   its specification lemma (which gives lia the arithmetic fact itself, not
   a boolean equation). Deciding first costs one lia call where splitting
   then pruning costs two, one of them a failing (exhaustive) search; and
   it prunes exactly as much: lia refutes the branch `x < y` iff it proves
   `y <= x`, so the two branches of an undecided test are both feasible as
   far as lia can tell. *)
Ltac upel_decide c :=
  lazymatch c with
  | Z.ltb ?x ?y =>
      first [ let h := fresh "h" in assert (h : x < y) by lia; rewrite (proj2 (Z.ltb_lt x y) h)
            | let h := fresh "h" in assert (h : y <= x) by lia; rewrite (proj2 (Z.ltb_ge x y) h)
            | destruct (Z.ltb_spec x y) ]
  | Z.leb ?x ?y =>
      first [ let h := fresh "h" in assert (h : x <= y) by lia; rewrite (proj2 (Z.leb_le x y) h)
            | let h := fresh "h" in assert (h : y < x) by lia; rewrite (proj2 (Z.leb_gt x y) h)
            | destruct (Z.leb_spec x y) ]
  | Z.eqb ?x ?y =>
      first [ let h := fresh "h" in assert (h : x = y) by lia; rewrite (proj2 (Z.eqb_eq x y) h)
            | let h := fresh "h" in assert (h : x <> y) by lia; rewrite (proj2 (Z.eqb_neq x y) h)
            | destruct (Z.eqb_spec x y) ]
  end.

Ltac upel_case c :=
  first [
    upel_closed c;
    let b := eval vm_compute in c in
    lazymatch b with
    | true => change c with true
    | false => change c with false
    end
  | lazymatch c with
    | Z.ltb _ _ => upel_decide c
    | Z.leb _ _ => upel_decide c
    | Z.eqb _ _ => upel_decide c
    | _ => destruct c eqn:?; upel_prune
    end ].

(* An outcome is split only when it has no outcome match inside: splitting
   an outer one would hide the inner tests in an equation lia cannot read. *)
Ltac upel_innermost m :=
  assert_fails (idtac; match m with context [match _ with Ok _ => _ | Err _ => _ end] => idtac end).

(* Folds and array indexing with a known index. `mfold` unrolls into `bind`s
   (which the first `cbv` could not unfold: they are not there yet), and the
   index of an unrolled iteration is a closed term (`0 + 1`): its conversion
   `Z.to_nat` / `Z.of_nat` is computed here, so that `nth_error` (and
   `upd_nth`, `length`) on an array literal reduces to the element itself.
   Without this, `op_index` stays a `match` whose `Err 4` branch is split as
   if it could happen, and the element, a record, is an opaque variable whose
   fields neither the fold body's tests nor lia can see. *)
Ltac upel_nat :=
  repeat match goal with
  | |- context [Z.to_nat ?c] => upel_closed c;
      let v := eval vm_compute in (Z.to_nat c) in change (Z.to_nat c) with v
  | |- context [Z.of_nat ?c] => upel_closed c;
      let v := eval vm_compute in (Z.of_nat c) in change (Z.of_nat c) with v
  end.

(* ---- bit operations: arithmetic forms and bounds ------------------------ *)
Lemma upel_popc_range : forall n x, 0 <= popc n x <= Z.of_nat n.
Proof.
  induction n as [|n IH]; intros x; simpl; [lia|].
  specialize (IH (Z.div2 x)). destruct (Z.odd x); lia.
Qed.

Lemma upel_popcount_range : forall w m a, 0 <= w -> 0 <= popcount w m a <= w.
Proof.
  intros w m a Hw. unfold popcount. pose proof (upel_popc_range (Z.to_nat w) (a mod m)). lia.
Qed.

(* Two values without a common bit: their `lor` is their sum. *)
Lemma upel_disjoint_add : forall a b, Z.land a b = 0 -> Z.lor a b = a + b.
Proof. intros a b D. rewrite (Z.add_nocarry_lxor _ _ D), (Z.lxor_lor _ _ D). reflexivity. Qed.

Lemma upel_land_split : forall a b, a = Z.ldiff a b + Z.land a b.
Proof.
  intros a b.
  assert (D : Z.land (Z.ldiff a b) (Z.land a b) = 0).
  { apply Z.bits_inj'; intros i _; rewrite ?Z.land_spec, ?Z.ldiff_spec, ?Z.bits_0;
    destruct (Z.testbit a i), (Z.testbit b i); reflexivity. }
  rewrite <- (upel_disjoint_add _ _ D), Z.lor_ldiff_and. reflexivity.
Qed.

Lemma upel_land_facts : forall a b, 0 <= a -> 0 <= b ->
  0 <= Z.land a b /\ Z.land a b <= a /\ Z.land a b <= b.
Proof.
  intros a b Ha Hb.
  pose proof (upel_land_split a b) as E1. pose proof (upel_land_split b a) as E2.
  rewrite Z.land_comm in E2.
  pose proof (proj2 (Z.ldiff_nonneg a b) (or_introl Ha)).
  pose proof (proj2 (Z.ldiff_nonneg b a) (or_introl Hb)).
  pose proof (proj2 (Z.land_nonneg a b) (or_introl Ha)). lia.
Qed.

Lemma upel_lor_facts : forall a b, 0 <= a -> 0 <= b ->
  a <= Z.lor a b /\ b <= Z.lor a b /\ Z.lor a b <= a + b.
Proof.
  intros a b Ha Hb.
  assert (D : Z.land a (Z.ldiff b a) = 0).
  { apply Z.bits_inj'; intros i _; rewrite ?Z.land_spec, ?Z.ldiff_spec, ?Z.bits_0;
    destruct (Z.testbit a i), (Z.testbit b i); reflexivity. }
  assert (E : Z.lor a b = a + Z.ldiff b a).
  { rewrite <- (upel_disjoint_add _ _ D).
    apply Z.bits_inj'; intros i _; rewrite ?Z.lor_spec, ?Z.ldiff_spec;
    destruct (Z.testbit a i), (Z.testbit b i); reflexivity. }
  pose proof (upel_land_facts b a Hb Ha). pose proof (upel_land_split b a).
  pose proof (proj2 (Z.ldiff_nonneg b a) (or_introl Hb)).
  assert (Z.land a b <= a /\ Z.land a b <= b) by (pose proof (upel_land_facts a b Ha Hb); lia).
  rewrite Z.land_comm in *. lia.
Qed.

Lemma upel_low_bits_zero : forall a k i, 0 <= k -> 0 <= a < 2 ^ k -> k <= i -> Z.testbit a i = false.
Proof.
  intros a k i Hk Ha Hi. rewrite Z.testbit_eqb by lia.
  assert (0 <= a / 2 ^ i < 1).
  { split; [apply Z.div_pos; lia|].
    apply Z.div_lt_upper_bound; [lia|].
    assert (2 ^ k <= 2 ^ i) by (apply Z.pow_le_mono_r; lia). lia. }
  replace (a / 2 ^ i) with 0 by lia. reflexivity.
Qed.

(* Fields that do not overlap, `a` below bit k and `b` a multiple of 2^k,
   are or-ed by adding them. *)
Lemma upel_lor_add : forall a b p k, 0 <= k -> p = 2 ^ k -> 0 <= a < p -> 0 <= b -> b mod p = 0 ->
  Z.lor a b = a + b.
Proof.
  intros a b p k Hk -> Ha Hb Hm.
  assert (Eb : b = Z.shiftl (b / 2 ^ k) k).
  { rewrite Z.shiftl_mul_pow2 by lia. pose proof (Z.div_mod b (2 ^ k)). lia. }
  assert (D : Z.land a b = 0).
  { rewrite Eb. apply Z.bits_inj'; intros i Hi. rewrite Z.land_spec, Z.bits_0.
    destruct (Z.lt_ge_cases i k).
    - rewrite Z.shiftl_spec_low by lia. apply andb_false_r.
    - rewrite (upel_low_bits_zero a k i) by lia. reflexivity. }
  exact (upel_disjoint_add a b D).
Qed.

(* ---- popcount of packed fields ----------------------------------------- *)
(* upel_dv k x: x shifted right by k bits, one bit at a time (as popc walks). *)
Fixpoint upel_dv (k : nat) (x : Z) : Z := match k with O => x | S j => upel_dv j (Z.div2 x) end.

Lemma upel_dv_div : forall k x, upel_dv k x = x / 2 ^ Z.of_nat k.
Proof.
  induction k as [|k IH]; intros x; simpl upel_dv.
  - simpl. rewrite Z.div_1_r. reflexivity.
  - rewrite IH, Z.div2_div. rewrite Nat2Z.inj_succ, Z.pow_succ_r by lia.
    rewrite Z.div_div by lia. reflexivity.
Qed.

Lemma upel_popc_add : forall k n x, popc (k + n) x = popc k x + popc n (upel_dv k x).
Proof. induction k as [|k IH]; intros n x; simpl; [lia|]. rewrite IH. lia. Qed.

Lemma upel_popc_high : forall k a c, 0 <= a -> 0 <= c -> popc k (a + c * 2 ^ Z.of_nat k) = popc k a.
Proof.
  induction k as [|k IH]; intros a c Ha Hc; [reflexivity|].
  cbn [popc]. rewrite Nat2Z.inj_succ, Z.pow_succ_r by lia.
  replace (a + c * (2 * 2 ^ Z.of_nat k)) with (a + 2 * (c * 2 ^ Z.of_nat k)) by ring.
  rewrite Z.odd_add_mul_2. f_equal.
  rewrite !Z.div2_div.
  replace (a + 2 * (c * 2 ^ Z.of_nat k)) with (a + (c * 2 ^ Z.of_nat k) * 2) by ring.
  rewrite Z.div_add by lia. apply IH; [apply Z.div_pos|]; lia.
Qed.

Lemma upel_popc_zero : forall n, popc n 0 = 0.
Proof. induction n as [|n IH]; [reflexivity|]. simpl. exact IH. Qed.

(* popc n sees only n bits: a value below 2^j (j <= n) has its popcount in j bits. *)
Lemma upel_popc_low : forall j n x, 0 <= x < 2 ^ Z.of_nat j -> popc (j + n) x = popc j x.
Proof.
  intros j n x Hx. rewrite upel_popc_add, upel_dv_div.
  rewrite Z.div_small by lia. rewrite upel_popc_zero. lia.
Qed.

(* The popcount of two fields that do not overlap, `a` below bit k and `b` a
   multiple of 2^k, is the sum of theirs: the parity of a packed word is
   the parity of its fields. *)
Lemma upel_popcount_disjoint : forall w m a b p k, 0 <= k <= w -> m = 2 ^ w -> p = 2 ^ k ->
  0 <= a < p -> 0 <= b -> b mod p = 0 -> a + b < m ->
  popcount w m (a + b) = popcount w m a + popcount w m (b / p).
Proof.
  intros w m a b p k Hk -> -> Ha Hb Hm Hab. unfold popcount.
  assert (Hp : 0 < 2 ^ k) by (apply Z.pow_pos_nonneg; lia).
  set (c := b / 2 ^ k).
  assert (Eb : b = c * 2 ^ k) by (pose proof (Z.div_mod b (2 ^ k)); subst c; lia).
  assert (Hc : 0 <= c) by (subst c; apply Z.div_pos; lia).
  assert (Hw : (Z.to_nat w = Z.to_nat k + (Z.to_nat w - Z.to_nat k))%nat) by lia.
  assert (Ek : Z.of_nat (Z.to_nat k) = k) by lia.
  assert (Ewk : Z.of_nat (Z.to_nat w - Z.to_nat k) = w - k) by lia.
  assert (Hpw : 2 ^ w = 2 ^ k * 2 ^ (w - k)) by (rewrite <- Z.pow_add_r by lia; f_equal; lia).
  assert (Hcw : c < 2 ^ (w - k)) by nia.
  rewrite !Z.mod_small by nia.
  set (K := Z.to_nat k) in *. set (N := (Z.to_nat w - K)%nat) in *.
  assert (L1 : popc (Z.to_nat w) (a + b) = popc K a + popc N c).
  { rewrite Hw, upel_popc_add, upel_dv_div, Ek.
    replace ((a + b) / 2 ^ k) with c
      by (rewrite Eb, Z.div_add by lia; rewrite Z.div_small by lia; lia).
    f_equal. rewrite Eb. rewrite <- Ek. apply upel_popc_high; lia. }
  assert (L2 : popc (Z.to_nat w) a = popc K a).
  { rewrite Hw. apply upel_popc_low. rewrite Ek. lia. }
  assert (L3 : popc (Z.to_nat w) c = popc N c).
  { replace (Z.to_nat w) with (N + K)%nat by lia. apply upel_popc_low. rewrite Ewk. lia. }
  rewrite L1, L2, L3. reflexivity.
Qed.

(* A one-bit value is its own popcount. *)
Lemma upel_popcount_bit : forall w m y, 1 <= w -> m = 2 ^ w -> 0 <= y <= 1 -> popcount w m y = y.
Proof.
  intros w m y Hw -> Hy. unfold popcount. rewrite Z.mod_small by (split; [lia|];
    apply Z.lt_le_trans with (2 ^ 1); [lia | apply Z.pow_le_mono_r; lia]).
  replace (Z.to_nat w) with (S (Z.to_nat w - 1)) by lia. cbn [popc].
  replace (Z.div2 y) with 0 by (destruct (Z.eq_dec y 0) as [->|]; [reflexivity|]; replace y with 1 by lia; reflexivity).
  rewrite upel_popc_zero. destruct (Z.eq_dec y 0) as [->|]; [reflexivity|]. replace y with 1 by lia. reflexivity.
Qed.

(* A word's popcount is that of its low k bits plus that of the rest. *)
Lemma upel_popcount_cut : forall w m x p k, 0 <= k <= w -> m = 2 ^ w -> p = 2 ^ k -> 0 <= x < m ->
  popcount w m x = popcount w m (x mod p) + popcount w m (x / p).
Proof.
  intros w m x p k Hk Hm Hp Hx.
  assert (Pp : 0 < p) by (subst p; apply Z.pow_pos_nonneg; lia).
  pose proof (Z.div_mod x p ltac:(lia)) as E. pose proof (Z.mod_pos_bound x p Pp) as B.
  assert (Hq : 0 <= x / p) by (apply Z.div_pos; lia).
  rewrite E at 1. rewrite Z.add_comm.
  rewrite (upel_popcount_disjoint w m (x mod p) (p * (x / p)) p k); try lia.
  - rewrite Z.mul_comm, Z.div_mul by lia. reflexivity.
  - rewrite Z.mul_comm, Z.mod_mul by lia. reflexivity.
Qed.

(* A field packed at p (and reduced to the word) read back. *)
Lemma upel_field_back : forall c p m, 0 < p -> 0 <= c * p < m -> (c * p) mod m / p = c.
Proof. intros c p m Hp Hb. rewrite Z.mod_small by lia. apply Z.div_mul. lia. Qed.

Lemma upel_div_div : forall a b c, 0 < b -> 0 < c -> a / b / c = a / (b * c).
Proof. intros a b c Hb Hc. apply Z.div_div; lia. Qed.

(* popc n sees only the low n bits. *)
Lemma upel_popc_mod : forall n y, popc n (y mod 2 ^ Z.of_nat n) = popc n y.
Proof.
  induction n as [|n IH]; intros y; [reflexivity|].
  cbn [popc].
  assert (O : Z.odd (y mod 2 ^ Z.of_nat (S n)) = Z.odd y).
  { rewrite <- !Z.bit0_odd. apply Z.mod_pow2_bits_low. lia. }
  assert (D : Z.div2 (y mod 2 ^ Z.of_nat (S n)) = Z.div2 y mod 2 ^ Z.of_nat n).
  { apply Z.bits_inj'; intros i Hi. rewrite !Z.div2_spec, Z.shiftr_spec by lia.
    destruct (Z.lt_ge_cases i (Z.of_nat n)).
    - rewrite !Z.mod_pow2_bits_low by lia. rewrite Z.shiftr_spec by lia. reflexivity.
    - rewrite Z.mod_pow2_bits_high by lia. rewrite Z.mod_pow2_bits_high by lia. reflexivity. }
  rewrite O, D, IH. reflexivity.
Qed.

(* Flipping bit k (k < n) of x changes popc n x by one, up or down. *)
Lemma upel_popc_flip : forall n k x, (k < n)%nat ->
  popc n (Z.lxor x (2 ^ Z.of_nat k)) = popc n x + 1 - 2 * (if Z.testbit x (Z.of_nat k) then 1 else 0).
Proof.
  induction n as [|n IH]; intros k x Hk; [lia|].
  cbn [popc]. destruct k as [|k].
  - change (2 ^ Z.of_nat 0) with 1.
    assert (O : Z.odd (Z.lxor x 1) = negb (Z.odd x)).
    { rewrite <- !Z.bit0_odd, Z.lxor_spec. destruct (Z.testbit x 0); reflexivity. }
    assert (D : Z.div2 (Z.lxor x 1) = Z.div2 x).
    { rewrite !Z.div2_spec, Z.shiftr_lxor. change (Z.shiftr 1 1) with 0. apply Z.lxor_0_r. }
    rewrite O, D. change (Z.of_nat 0) with 0. rewrite Z.bit0_odd. destruct (Z.odd x); cbn [negb]; lia.
  - assert (P : 2 ^ Z.of_nat (S k) = 2 * 2 ^ Z.of_nat k) by (rewrite Nat2Z.inj_succ, Z.pow_succ_r; lia).
    assert (O : Z.odd (Z.lxor x (2 ^ Z.of_nat (S k))) = Z.odd x).
    { rewrite <- !Z.bit0_odd, Z.lxor_spec, Z.pow2_bits_false by lia. apply xorb_false_r. }
    assert (D : Z.div2 (Z.lxor x (2 ^ Z.of_nat (S k))) = Z.lxor (Z.div2 x) (2 ^ Z.of_nat k)).
    { rewrite !Z.div2_spec, Z.shiftr_lxor. f_equal. rewrite P, Z.shiftr_div_pow2 by lia.
      change (2 ^ 1) with 2. rewrite Z.mul_comm, Z.div_mul by lia. reflexivity. }
    assert (T : Z.testbit x (Z.of_nat (S k)) = Z.testbit (Z.div2 x) (Z.of_nat k)).
    { rewrite Z.div2_spec, Z.shiftr_spec by lia. f_equal. lia. }
    rewrite O, D, T, IH by lia. lia.
Qed.

(* Flipping bit k (0 <= k < w) of a word changes its popcount by one. *)
Lemma upel_popcount_flip : forall w m x k, 0 <= k < w -> m = 2 ^ w ->
  exists b, 0 <= b <= 1 /\ popcount w m (Z.lxor x (shl_u w m 1 k)) = popcount w m x + 1 - 2 * b.
Proof.
  intros w m x k Hk ->.
  exists (if Z.testbit (x mod 2 ^ w) k then 1 else 0). split; [destruct (Z.testbit _ _); lia|].
  assert (S : shl_u w (2 ^ w) 1 k = 2 ^ k).
  { unfold shl_u, wrap_u. replace (w <=? k) with false by (symmetry; apply Z.leb_gt; lia).
    rewrite Z.shiftl_1_l. apply Z.mod_small. split; [apply Z.pow_nonneg; lia | apply Z.pow_lt_mono_r; lia]. }
  rewrite S. unfold popcount.
  assert (Ew : 2 ^ w = 2 ^ Z.of_nat (Z.to_nat w)) by (rewrite Z2Nat.id by lia; reflexivity).
  assert (Ek : k = Z.of_nat (Z.to_nat k)) by lia.
  assert (X : Z.lxor x (2 ^ k) mod 2 ^ w = Z.lxor (x mod 2 ^ w) (2 ^ k) mod 2 ^ w).
  { apply Z.bits_inj'; intros i Hi. destruct (Z.lt_ge_cases i w).
    - rewrite !Z.mod_pow2_bits_low by lia. rewrite !Z.lxor_spec, Z.mod_pow2_bits_low by lia. reflexivity.
    - rewrite !Z.mod_pow2_bits_high by lia. reflexivity. }
  rewrite X. rewrite Ew. rewrite upel_popc_mod. rewrite <- Ew.
  rewrite Ek at 1. rewrite upel_popc_flip by lia. rewrite <- Ek. reflexivity.
Qed.

Lemma upel_eqb_if : forall x y : bool, Bool.eqb x y = if x then y else negb y.
Proof. intros [|] [|]; reflexivity. Qed.

(* k when p is the constant 2^k (fails otherwise). *)
Ltac upel_log2 p :=
  let k := eval vm_compute in (Z.log2 p) in
  lazymatch eval vm_compute in (p =? 2 ^ k) with true => k end.

(* Z.land a c with c = 2^k - 1 (a mask) is a mod 2^k. *)
Ltac upel_land_mask a c :=
  upel_closed c;
  let k := upel_log2 (c + 1) in
  let p := eval vm_compute in (2 ^ k) in
  let h := fresh "e" in
  assert (h : Z.land a c = a mod p) by (change c with (Z.ones k); rewrite Z.land_ones by lia; reflexivity);
  rewrite h in *; clear h.
(* A bit operation by a constant becomes arithmetic (a shift by n is a
   product or quotient by 2^n, a mask 2^k - 1 a remainder, a bit test at
   a constant index the remainder of a quotient), which lia and the
   division facts read; the others get bounds. *)
Ltac upel_bitform t :=
  lazymatch t with
  | Z.shiftl ?a ?n => upel_closed n;
      let p := eval vm_compute in (2 ^ n) in
      let h := fresh "e" in assert (h : Z.shiftl a n = a * p) by (rewrite Z.shiftl_mul_pow2 by lia; reflexivity);
      rewrite h in *; clear h
  | Z.shiftr ?a ?n => upel_closed n;
      let p := eval vm_compute in (2 ^ n) in
      let h := fresh "e" in assert (h : Z.shiftr a n = a / p) by (rewrite Z.shiftr_div_pow2 by lia; reflexivity);
      rewrite h in *; clear h
  | Z.testbit ?a ?n => upel_closed n;
      let p := eval vm_compute in (2 ^ n) in
      let h := fresh "e" in assert (h : Z.testbit a n = ((a / p) mod 2 =? 1)) by (rewrite Z.testbit_eqb by lia; reflexivity);
      rewrite h in *; clear h
  | Z.land ?a ?c => first [ upel_land_mask a c
                           | upel_closed a; assert_fails (upel_closed c); rewrite (Z.land_comm a c) in * ]
  | bit ?w ?a ?i => upel_closed w; upel_closed i;
      let b := eval vm_compute in (i <? w) in
      lazymatch b with
      | true => change (bit w a i) with ((i <? w) && Z.testbit a i) in *; change (i <? w) with true in *;
                change (true && Z.testbit a i) with (Z.testbit a i) in *
      | false => change (bit w a i) with ((i <? w) && Z.testbit a i) in *; change (i <? w) with false in *;
                 change (false && Z.testbit a i) with false in *
      end
  | Bool.eqb ?x ?y => rewrite (upel_eqb_if x y) in *
  | shl_u ?w ?m ?a ?n => upel_closed w; upel_closed n;
      lazymatch eval vm_compute in (w <=? n) with
      | false => change (shl_u w m a n) with (wrap_u m (Z.shiftl a n)) in *; unfold wrap_u in *
      | true => change (shl_u w m a n) with 0 in *
      end
  | shl_s ?w ?m ?a ?n => upel_closed w; upel_closed n;
      lazymatch eval vm_compute in (w <=? n) with
      | false => change (shl_s w m a n) with (wrap_s m (Z.shiftl a n)) in *; unfold wrap_s in *
      | true => change (shl_s w m a n) with 0 in *
      end
  | shr_u ?w ?a ?n => upel_closed w; upel_closed n;
      lazymatch eval vm_compute in (w <=? n) with
      | false => change (shr_u w a n) with (Z.shiftr a n) in *
      | true => change (shr_u w a n) with 0 in *
      end
  | shr_s ?w ?a ?n => upel_closed w; upel_closed n;
      (* shifted out entirely, the result is the sign: left to the case analysis *)
      lazymatch eval vm_compute in (w <=? n) with
      | false => change (shr_s w a n) with (Z.shiftr a n) in *
      end
  end.
Ltac upel_bitfact t :=
  lazymatch t with
  | popcount ?w ?m ?a =>
      lazymatch goal with
      | _ : 0 <= popcount w m a <= w |- _ => fail
      | _ => pose proof (upel_popcount_range w m a ltac:(lia))
      end
  | Z.land ?a ?b =>
      lazymatch goal with
      | _ : 0 <= Z.land a b /\ _ |- _ => fail
      | _ => pose proof (upel_land_facts a b ltac:(lia) ltac:(lia))
      end
  | Z.lor ?a ?b =>
      lazymatch goal with
      | _ : a <= Z.lor a b /\ _ |- _ => fail
      | _ => pose proof (upel_lor_facts a b ltac:(lia) ltac:(lia))
      end
  end.
(* The patterns are spelled out (not `context [?t]`, which would try the
   tactic on every subterm of every hypothesis, at every round of upel_split). *)
Ltac upel_bits :=
  repeat match goal with
  | |- context [Z.shiftl ?a ?b] => upel_bitform (Z.shiftl a b)
  | _ : context [Z.shiftl ?a ?b] |- _ => upel_bitform (Z.shiftl a b)
  | |- context [Z.shiftr ?a ?b] => upel_bitform (Z.shiftr a b)
  | _ : context [Z.shiftr ?a ?b] |- _ => upel_bitform (Z.shiftr a b)
  | |- context [Z.testbit ?a ?b] => upel_bitform (Z.testbit a b)
  | _ : context [Z.testbit ?a ?b] |- _ => upel_bitform (Z.testbit a b)
  | |- context [Z.land ?a ?b] => upel_bitform (Z.land a b)
  | _ : context [Z.land ?a ?b] |- _ => upel_bitform (Z.land a b)
  | |- context [bit ?a ?b ?c] => upel_bitform (bit a b c)
  | _ : context [bit ?a ?b ?c] |- _ => upel_bitform (bit a b c)
  | |- context [Bool.eqb ?a ?b] => upel_bitform (Bool.eqb a b)
  | _ : context [Bool.eqb ?a ?b] |- _ => upel_bitform (Bool.eqb a b)
  | |- context [shl_u ?a ?b ?c ?d] => upel_bitform (shl_u a b c d)
  | _ : context [shl_u ?a ?b ?c ?d] |- _ => upel_bitform (shl_u a b c d)
  | |- context [shl_s ?a ?b ?c ?d] => upel_bitform (shl_s a b c d)
  | _ : context [shl_s ?a ?b ?c ?d] |- _ => upel_bitform (shl_s a b c d)
  | |- context [shr_u ?a ?b ?c] => upel_bitform (shr_u a b c)
  | _ : context [shr_u ?a ?b ?c] |- _ => upel_bitform (shr_u a b c)
  | |- context [shr_s ?a ?b ?c] => upel_bitform (shr_s a b c)
  | _ : context [shr_s ?a ?b ?c] |- _ => upel_bitform (shr_s a b c)
  end;
  repeat match goal with
  | |- context [popcount ?a ?b ?c] => upel_bitfact (popcount a b c)
  | _ : context [popcount ?a ?b ?c] |- _ => upel_bitfact (popcount a b c)
  | |- context [Z.land ?a ?b] => upel_bitfact (Z.land a b)
  | _ : context [Z.land ?a ?b] |- _ => upel_bitfact (Z.land a b)
  | |- context [Z.lor ?a ?b] => upel_bitfact (Z.lor a b)
  | _ : context [Z.lor ?a ?b] |- _ => upel_bitfact (Z.lor a b)
  end.

(* At a leaf that arithmetic alone does not close: Z.lor a b where b holds a
   product by a power of two p and a is below p (fields packed into a word)
   is a + b, so that lia can take the fields back out. Only there: each
   attempt costs lia calls, and most lor terms met during the case analysis
   are not needed. *)
Ltac upel_lor_disjoint a b :=
  match b with
  | context [?c * ?p] => upel_closed p; let k := upel_log2 p in
      let h := fresh "e" in
      assert (h : Z.lor a b = a + b)
        by (apply (upel_lor_add a b p k); [lia | reflexivity | lia | lia | upel_dm b p; lia]);
      rewrite h in *; clear h
  end.
Ltac upel_lors :=
  repeat match goal with
  | |- context [Z.lor ?a ?b] => first [upel_lor_disjoint a b | rewrite (Z.lor_comm a b) in *; upel_lor_disjoint b a]
  | _ : context [Z.lor ?a ?b] |- _ =>
      first [upel_lor_disjoint a b | rewrite (Z.lor_comm a b) in *; upel_lor_disjoint b a]
  end.

(* At a leaf that still fails after upel_lors: the parity of a word, as the
   sum of the popcounts of its fields, each an atom for lia. A packed word
   (a sum of fields) is split at its fields; a word that is one atom (a
   received word) is split where the context reads fields out of it. *)

(* popcount of a value reduced below a bound it already lies under is the
   popcount of the value. *)
Ltac upel_mod_small t p :=
  let h := fresh "e" in assert (h : t mod p = t) by (apply Z.mod_small; lia); rewrite h in *; clear h.
Ltac upel_popc_modsmall :=
  repeat match goal with
  | |- context [popcount ?w ?m (?t mod ?p)] => upel_mod_small t p
  | _ : context [popcount ?w ?m (?t mod ?p)] |- _ => upel_mod_small t p
  end.
(* b / p of a packed field b = c * p (or (c * p) mod m) is c itself, so that
   the popcount of the packed field and of the field are one atom. *)
Ltac upel_field_div b p :=
  lazymatch b with
  | (?c * p) mod ?m =>
      let h := fresh "e" in
      assert (h : (c * p) mod m / p = c) by (apply upel_field_back; [vm_compute; reflexivity | lia]);
      rewrite h in *; clear h
  | ?c * p =>
      let h := fresh "e" in
      assert (h : c * p / p = c) by (apply Z.div_mul; vm_compute; discriminate);
      rewrite h in *; clear h
  end.
(* popcount (a + b), b holding a product by a power of two p and a below p:
   popcount a + popcount (b / p). *)
Ltac upel_popc_split w m a b :=
  match b with
  | context [?c * ?p] => upel_closed p; let k := upel_log2 p in
      let h := fresh "e" in
      assert (h : popcount w m (a + b) = popcount w m a + popcount w m (b / p))
        by (apply (upel_popcount_disjoint w m a b p k);
            [lia | reflexivity | reflexivity | lia | lia | upel_dm b p; lia | lia]);
      rewrite h in *; clear h; try upel_field_div b p
  end.
(* Field reads in one form: x / 1 is x, and a / b / c is a / (b * c), computed. *)
Ltac upel_div_div_at x b c :=
  upel_closed b; upel_closed c;
  let bc := eval vm_compute in (b * c) in
  let h := fresh "e" in
  assert (h : x / b / c = x / bc) by (rewrite upel_div_div by (vm_compute; reflexivity); reflexivity);
  rewrite h in *; clear h.
Ltac upel_fieldnorm :=
  repeat match goal with
  | |- context [?x / 1] => rewrite (Z.div_1_r x) in *
  | _ : context [?x / 1] |- _ => rewrite (Z.div_1_r x) in *
  | |- context [?x / ?b / ?c] => upel_div_div_at x b c
  | _ : context [?x / ?b / ?c] |- _ => upel_div_div_at x b c
  end.
(* One split of the popcount of an atom x (w bits): x mod m is x itself when
   x is in range; a read x mod q, q = 2^k below 2^w, splits popcount x into
   popcount (x mod q) + popcount (x / q), and the next read of x / q splits
   that in turn. *)
Ltac upel_popc_cut_at w m x q :=
  upel_closed q; let k := upel_log2 q in
  lazymatch eval vm_compute in ((0 <? k) && (k <? w)) with true => idtac end;
  let h := fresh "e" in
  assert (h : popcount w m x = popcount w m (x mod q) + popcount w m (x / q))
    by (apply (upel_popcount_cut w m x q k); [lia | reflexivity | reflexivity | lia]);
  rewrite h in *; clear h; upel_fieldnorm.
Ltac upel_popc_cut1 w m x :=
  match goal with
  | _ : context [x mod m] |- _ => upel_mod_small x m; upel_fieldnorm
  | |- context [x mod m] => upel_mod_small x m; upel_fieldnorm
  | _ : context [x mod ?q] |- _ => upel_popc_cut_at w m x q
  | |- context [x mod ?q] => upel_popc_cut_at w m x q
  end.
Ltac upel_popc_atoms :=
  upel_fieldnorm;
  repeat match goal with
  | |- context [popcount ?w ?m ?x] =>
      lazymatch x with _ + _ => fail | _ mod _ => fail | _ => upel_popc_cut1 w m x end
  | _ : context [popcount ?w ?m ?x] |- _ =>
      lazymatch x with _ + _ => fail | _ mod _ => fail | _ => upel_popc_cut1 w m x end
  end.
(* A one-bit field is its own popcount. Only the likely ones are tried (each
   failed try is a lia call, which costs seconds in these contexts): a
   remainder by 2 (a cast to u1, as a parity bit is; packed, upel_field_div
   has read it back) and the top bit x / 2^(w-1). *)
Ltac upel_popc_bit w m y :=
  let h := fresh "e" in
  assert (h : popcount w m y = y) by (apply upel_popcount_bit; [lia | reflexivity | upel_divfacts; lia]);
  rewrite h in *; clear h.
Ltac upel_popc_top w m x p :=
  upel_closed p; lazymatch eval vm_compute in (p * 2 =? m) with true => idtac end; upel_popc_bit w m (x / p).
(* popcount of x ^ (1 << k), one bit flipped: popcount x + 1 - 2 b for some
   bit b (lemma upel_popcount_flip), so the parity flips. *)
Ltac upel_popc_flip1 w m x k :=
  let b := fresh "b" in let Hb := fresh "Hb" in let E := fresh "E" in
  destruct (upel_popcount_flip w m x k ltac:(lia) eq_refl) as [b [Hb E]]; rewrite E in *; clear E.
Ltac upel_popc_flips :=
  repeat match goal with
  | |- context [popcount ?w ?m (Z.lxor ?x (shl_u ?w ?m 1 ?k))] => upel_popc_flip1 w m x k
  | _ : context [popcount ?w ?m (Z.lxor ?x (shl_u ?w ?m 1 ?k))] |- _ => upel_popc_flip1 w m x k
  | |- context [popcount ?w ?m (Z.lxor (shl_u ?w ?m 1 ?k) ?x)] =>
      rewrite (Z.lxor_comm (shl_u w m 1 k) x) in *; upel_popc_flip1 w m x k
  | _ : context [popcount ?w ?m (Z.lxor (shl_u ?w ?m 1 ?k) ?x)] |- _ =>
      rewrite (Z.lxor_comm (shl_u w m 1 k) x) in *; upel_popc_flip1 w m x k
  end.
Ltac upel_popcs :=
  upel_popc_flips;
  upel_popc_modsmall;
  repeat match goal with
  | |- context [popcount ?w ?m (?a + ?b)] => upel_popc_split w m a b
  | _ : context [popcount ?w ?m (?a + ?b)] |- _ => upel_popc_split w m a b
  end;
  upel_popc_atoms;
  repeat match goal with
  | |- context [popcount ?w ?m (?x mod 2)] => upel_popc_bit w m (x mod 2)
  | _ : context [popcount ?w ?m (?x mod 2)] |- _ => upel_popc_bit w m (x mod 2)
  | |- context [popcount ?w ?m (?x / ?p)] => upel_popc_top w m x p
  | _ : context [popcount ?w ?m (?x / ?p)] |- _ => upel_popc_top w m x p
  end.

(* A test that is itself an `if` (a bit test compared with a constant, once
   upel_bits has written it in arithmetic) is split at its innermost test,
   which lia may decide, not destructed whole into an equation lia cannot
   read. *)
Ltac upel_inner_if c :=
  match c with
  | context [if ?d then _ else _] =>
      lazymatch type of d with bool => idtac end;
      assert_fails (idtac; match d with context [if _ then _ else _] => idtac end);
      upel_case d
  end.

(* Case analysis on every if / outcome in the goal. `if` patterns match any
   two-constructor type, Out included: the bool test keeps them apart. *)
Ltac upel_split_with B C :=
  repeat (cbn beta iota zeta delta [existsb mfold bind list_eqb Bool.eqb negb andb orb] in *; upel_hyps;
    upel_divfacts; B; upel_nat;
    cbn beta iota zeta delta [nth_error upd_nth length] in *;
    match goal with
    | |- context [if ?c then _ else _] =>
        lazymatch type of c with bool => C c end
    | |- context [match ?m with Ok _ => _ | Err _ => _ end] =>
        upel_innermost m; destruct m eqn:?; upel_prune
    end).
Ltac upel_split := upel_split_with idtac upel_case.
(* For lemmas about bit operations (lemmas.py `uses_bits`): every round also
   writes them in arithmetic; elsewhere the scans would only cost time
   (fintech.ledger's apply_posting: 76 s of CPU without them, 102 s with). *)
Ltac upel_split_bits := upel_split_with upel_bits ltac:(fun c => first [upel_inner_if c | upel_case c]).

(* Two products with a common factor, x * y and x * z, are ordered like y
   and z when x >= 0: a linear fact about the kept product terms, which is
   what monotonicity proofs need and what nia otherwise finds only by
   multiplying every pair of hypotheses (tens of seconds). Two products by
   constants are linear, so lia orders them already: the scan starts only
   from a product by a non-constant (its partner may be either), which keeps
   it short in bit-level lemmas full of fields scaled by powers of two (a
   third of encode_decode_roundtrip's time went to the scan). *)
Lemma mul_mono_facts : forall x y z,
  (0 <= x -> y <= z -> x * y <= x * z) /\ (0 <= x -> z <= y -> x * z <= x * y).
Proof. intros x y z. split; intros; apply Z.mul_le_mono_nonneg_l; assumption. Qed.

Ltac upel_mulfacts :=
  repeat match goal with
  | _ : context [?x * ?y] |- _ =>
      assert_fails (is_const x); assert_fails (upel_closed x); assert_fails (upel_closed y);
      match goal with
      | _ : context [x * ?z] |- _ =>
          assert_fails (constr_eq y z);
          lazymatch goal with
          | _ : (0 <= x -> y <= z -> x * y <= x * z) /\ _ |- _ => fail
          | _ : (0 <= x -> z <= y -> x * z <= x * y) /\ _ |- _ => fail
          | _ => pose proof (mul_mono_facts x y z)
          end
      end
  end.

(* Interval bounds of products, for the leaves that need a product of three
   or more factors bounded (nia only multiplies hypotheses pairwise, so it
   cannot bound x * y * z from the bounds of x, y and z). Every atom gets its
   tightest closed bounds from the hypotheses, every product the bounds of
   its factors' intervals (computed), and lia then reads the products as
   atoms with known ranges. *)
Definition ibnd (x lo hi : Z) : Prop := lo <= x <= hi.

Lemma ibnd_mul : forall x y a b c d, ibnd x a b -> ibnd y c d ->
  ibnd (x * y) (Z.min (Z.min (a * c) (a * d)) (Z.min (b * c) (b * d)))
               (Z.max (Z.max (a * c) (a * d)) (Z.max (b * c) (b * d))).
Proof.
  unfold ibnd; intros x y a b c d [Ha Hb] [Hc Hd].
  assert (Hl : Z.min (a * y) (b * y) <= x * y <= Z.max (a * y) (b * y)).
  { destruct (Z.le_gt_cases 0 y).
    - split; [apply Z.min_le_iff; left | apply Z.max_le_iff; right]; nia.
    - split; [apply Z.min_le_iff; right | apply Z.max_le_iff; left]; nia. }
  assert (Ha' : Z.min (a * c) (a * d) <= a * y <= Z.max (a * c) (a * d)).
  { destruct (Z.le_gt_cases 0 a).
    - split; [apply Z.min_le_iff; left | apply Z.max_le_iff; right]; nia.
    - split; [apply Z.min_le_iff; right | apply Z.max_le_iff; left]; nia. }
  assert (Hb' : Z.min (b * c) (b * d) <= b * y <= Z.max (b * c) (b * d)).
  { destruct (Z.le_gt_cases 0 b).
    - split; [apply Z.min_le_iff; left | apply Z.max_le_iff; right]; nia.
    - split; [apply Z.min_le_iff; right | apply Z.max_le_iff; left]; nia. }
  lia.
Qed.

Lemma ibnd_lo : forall x lo hi a, ibnd x lo hi -> a <= x -> ibnd x (Z.max lo a) hi.
Proof. unfold ibnd; intros; lia. Qed.
Lemma ibnd_hi : forall x lo hi b, ibnd x lo hi -> x <= b -> ibnd x lo (Z.min hi b).
Proof. unfold ibnd; intros; lia. Qed.
Lemma ibnd_const : forall c, ibnd c c c.
Proof. unfold ibnd; intros; lia. Qed.

Ltac upel_ibnd_norm B :=
  lazymatch type of B with
  | ibnd ?x ?lo ?hi =>
      let lo' := eval vm_compute in lo in let hi' := eval vm_compute in hi in
      change (ibnd x lo' hi') in B
  end.

(* The tightest closed bounds of a variable x (fails if it has none). *)
Ltac upel_ibnd_var x :=
  match goal with
  | H : ?a <= x <= ?b |- _ => upel_closed a; upel_closed b;
      let B := fresh "B" in pose proof (H : ibnd x a b) as B; upel_ibnd_norm B;
      repeat match goal with
      | B : ibnd x ?lo ?hi, H : ?a <= x |- _ => upel_closed a;
          lazymatch eval vm_compute in (lo <? a) with true => idtac end;
          let B' := fresh "B" in pose proof (ibnd_lo x lo hi a B H) as B'; clear B; upel_ibnd_norm B'
      | B : ibnd x ?lo ?hi, H : x <= ?b |- _ => upel_closed b;
          lazymatch eval vm_compute in (b <? hi) with true => idtac end;
          let B' := fresh "B" in pose proof (ibnd_hi x lo hi b B H) as B'; clear B; upel_ibnd_norm B'
      end
  end.

Ltac upel_ibnd t :=
  lazymatch goal with
  | _ : ibnd t _ _ |- _ => idtac
  | _ =>
    lazymatch t with
    | ?x * ?y => upel_ibnd x; upel_ibnd y;
        lazymatch goal with
        | Bx : ibnd x ?a ?b, By : ibnd y ?c ?d |- _ =>
            let B := fresh "B" in pose proof (ibnd_mul x y a b c d Bx By) as B; upel_ibnd_norm B
        end
    | _ => first [ upel_closed t; pose proof (ibnd_const t)
                 | is_var t; upel_ibnd_var t ]
    end
  end.

Ltac upel_mulbounds :=
  repeat match goal with
  | _ : context [?x * ?y] |- _ =>
      assert_fails (upel_closed x); assert_fails (upel_closed y); upel_ibnd (x * y)
  | |- context [?x * ?y] =>
      assert_fails (upel_closed x); assert_fails (upel_closed y); upel_ibnd (x * y)
  end;
  unfold ibnd in *.

Ltac upel_arith :=
  try reflexivity; try discriminate;
  first [ lia | upel_mulfacts; lia | upel_mulbounds; lia
        | Z.to_euclidean_division_equations; first [ lia | nia ] ].

(* Cutting at a call. The outcome of a call whose arguments are the inputs
   (or constants) is split once, before the callee is unfolded: the `Ok`
   branch continues with the value as an unknown (nothing about the callee's
   paths is kept), the `Err c` branch keeps `call = Err c` as a premise of the
   goal, where the callee is then unfolded and split on its own. The two
   explorations add up instead of multiplying (apply_posting: the paths of
   validate_posting times those of the fold of apply_leg). It loses the
   callee's facts in the `Ok` branch, so lemmas.py tries it first and falls
   back to the whole case analysis. Calls inside folds are not cut: they
   mention the fold's bound variables, which a `context` pattern cannot. *)
Ltac upel_head t := lazymatch t with ?f _ => upel_head f | _ => t end.
Ltac upel_cut :=
  repeat match goal with
  | |- context [match ?m with Ok _ => _ | Err _ => _ end] =>
      let h := upel_head m in is_const h; assert_fails (constr_eq h (@mfold));
      let E := fresh "E" in destruct m eqn:E; [clear E | revert E]
  end.

(* A leaf: arithmetic first; only if that fails, the enum inputs are split
   into their members (each member case is then pruned or closed alone).
   A leaf of a cut's `Err` branch is an implication `outcome = Err c -> _`:
   its outcome is normalised (the last round of upel_split is undone when it
   finds nothing to split) and introduced. B runs first (upel_leaf_bits: the
   facts of the bit operations left at the leaf); R is a second try when
   arithmetic fails (upel_leaf_bits: packed fields as sums, and a word's
   popcount as the sum of its fields' popcounts). *)
Ltac upel_leaf_with B R :=
  try (lazymatch goal with |- _ -> _ => idtac end;
       cbn beta iota zeta delta [existsb mfold bind list_eqb Bool.eqb negb andb orb] in *;
       intros; upel_hyps);
  B;
  first [ solve [upel_arith]
        | solve [R; upel_arith]
        | match goal with _ : member _ _ |- _ => idtac end;
          unfold member in *; upel_hyps; upel_prune; upel_arith ].
Ltac upel_leaf := upel_leaf_with idtac fail.
Ltac upel_leaf_bits :=
  upel_leaf_with ltac:(upel_divfacts; upel_bits; upel_divfacts; upel_bits) ltac:(upel_lors; upel_divfacts; upel_popcs; upel_divfacts).
