// Map/reduce over text: the built-in jobs on small inputs with known answers, the same answers for
// any block and piece size (blocks end mid-line, a line longer than a block), several files, CRLF,
// gzip, and a new job (bigram count) defined here against the public API alone.
#include <gtest/gtest.h>

#include <zlib.h>

#include <algorithm>
#include <fstream>
#include <map>

#include "analytics/column_builder.h"
#include "analytics/mapreduce/jobs.h"
#include "analytics/mapreduce/table_jobs.h"

namespace nimbus::analytics::mapreduce {
namespace {

std::string write_file(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + "/nimbus_mr_" + name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

std::map<std::string, int64_t> as_map(const Table& t) {
  std::map<std::string, int64_t> out;
  for (int64_t r = 0; r < t.num_rows(); ++r) out[std::string(t.column(0).string_value(r))] = t.column(1).value<int64_t>(r);
  return out;
}

const std::string kText =
    "The cat; the DOG.\r\n"
    "Don't stop: 42 cats & 42 dogs\n"
    "naïve café\n"
    "\n"
    "the end";

TEST(MapReduce, WordCountKnownAnswerForAnyBlockAndPieceSize) {
  const std::string path = write_file("words.txt", kText);
  const std::map<std::string, int64_t> expected = {{"the", 3}, {"cat", 1}, {"dog", 1}, {"don", 1}, {"t", 1},
                                                    {"stop", 1}, {"42", 2}, {"cats", 1}, {"dogs", 1}, {"na", 1},
                                                    {"ve", 1}, {"caf", 1}, {"end", 1}};
  for (int64_t block : {3, 16, 1 << 20})
    for (int64_t piece : {1, 7, 1 << 20}) {
      TextSource source({path}, block);
      TextJobOptions options;
      options.run.piece_bytes = piece;
      const Table t = word_count(source, options);
      EXPECT_EQ(as_map(t), expected) << "block " << block << ", piece " << piece;
      // Ordered by count descending, then word ascending.
      EXPECT_EQ(t.column("word").string_value(0), "the");
      EXPECT_EQ(t.column("word").string_value(1), "42");
      EXPECT_EQ(t.column("word").string_value(2), "caf");
    }
}

TEST(MapReduce, WordRulesAndTop) {
  const std::string path = write_file("rules.txt", kText);
  TextSource source({path});
  TextJobOptions options;
  options.rule = WordRule::alnum;
  EXPECT_EQ(as_map(word_count(source, options)).count("DOG"), 1u);
  TextSource again({path});
  options.rule = WordRule::whitespace;
  options.top = 2;
  const Table top = word_count(again, options);
  ASSERT_EQ(top.num_rows(), 2);
  EXPECT_EQ(top.column("word").string_value(0), "42");  // "42" twice; "The", "the" differ in case here
  EXPECT_EQ(top.column("count").value<int64_t>(0), 2);
  EXPECT_THROW(parse_word_rule("unicode"), ConfigError);
}

TEST(MapReduce, GrepAndInvertedIndexAcrossFiles) {
  const std::string a = write_file("a.txt", "apple pie\nbanana\napple apple\n");
  const std::string b = write_file("b.txt", "no fruit\nan apple\n");
  TextSource grep_source({a, b}, 5);
  const Table g = grep_count(grep_source, "apple");
  ASSERT_EQ(g.num_rows(), 2);
  EXPECT_EQ(g.column("matching_lines").value<int64_t>(0), 2);
  EXPECT_EQ(g.column("matching_lines").value<int64_t>(1), 1);

  TextSource index_source({a, b}, 5);
  TextJobOptions options;
  options.run.piece_bytes = 4;
  const Table index = inverted_index(index_source, options);
  std::map<std::string, std::string> postings;
  for (int64_t r = 0; r < index.num_rows(); ++r)
    postings[std::string(index.column("word").string_value(r))] = std::string(index.column("postings").string_value(r));
  EXPECT_EQ(postings["apple"], "1:1 1:3 2:2");  // a repeated word on one line is one posting
  EXPECT_EQ(postings["banana"], "1:2");
  EXPECT_EQ(index.column("word").string_value(0), "an");  // sorted by word
}

TEST(MapReduce, GzipInputsAndErrors) {
  const std::string plain = "Hello hello\nworld\n";
  uLongf size = compressBound(static_cast<uLong>(plain.size())) + 32;
  // A gzip member (zlib's deflate with the gzip wrapper).
  std::string gz(size, '\0');
  z_stream z{};
  ASSERT_EQ(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(plain.data()));
  z.avail_in = static_cast<uInt>(plain.size());
  z.next_out = reinterpret_cast<Bytef*>(gz.data());
  z.avail_out = static_cast<uInt>(gz.size());
  ASSERT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  gz.resize(z.total_out);
  deflateEnd(&z);
  TextSource source({write_file("hello.txt.gz", gz)});
  EXPECT_EQ(as_map(word_count(source)), (std::map<std::string, int64_t>{{"hello", 2}, {"world", 1}}));
  try {
    TextSource missing({::testing::TempDir() + "/nimbus_mr_missing.txt"});
    FAIL() << "a missing file was accepted";
  } catch (const IOError& e) {
    EXPECT_NE(std::string(e.what()).find("nimbus_mr_missing.txt"), std::string::npos) << e.what();
  }
  TextSource empty_grep({write_file("empty.txt", "")});
  EXPECT_THROW(grep_count(empty_grep, ""), ConfigError);
}

// A job written here, against map_reduce.h only: adjacent word pairs. prepare() rewrites each
// block so that words are separated by exactly one space (newlines kept), so a bigram is a view
// "w1 w2" into the block.
struct BigramCountJob {
  using Key = std::string_view;
  using Accumulator = int64_t;
  void prepare(std::string& block) const {
    ascii_lower_in_place(block);
    std::string out;
    out.reserve(block.size());
    bool pending_space = false;
    for (char ch : block) {
      if (ch == '\n') {
        out += '\n';
        pending_space = false;
      } else if (is_word_byte(WordRule::alnum_lower, static_cast<unsigned char>(ch))) {
        if (pending_space) out += ' ';
        out += ch;
        pending_space = false;
      } else if (!out.empty() && out.back() != '\n') {
        pending_space = true;
      }
    }
    block = std::move(out);
  }
  void map(const TextRecord& record, Emitter<BigramCountJob>& out) const {
    size_t first = 0;
    size_t space = record.line.find(' ');
    while (space != std::string_view::npos) {
      const size_t next_space = record.line.find(' ', space + 1);
      const size_t end = next_space == std::string_view::npos ? record.line.size() : next_space;
      out.emit(record.line.substr(first, end - first), int64_t{1});
      first = space + 1;
      space = next_space;
    }
  }
  void combine(int64_t& into, int64_t value) const { into += value; }
  void merge(int64_t& into, int64_t from) const { into += from; }
};

TEST(MapReduce, ANewJobNeedsOnlyThePublicApi) {
  const std::string path = write_file("bigrams.txt", "To be, or not to be:\nthat is the question. To be!\n");
  for (int64_t piece : {1, 1 << 20}) {
    TextSource source({path}, 8);
    MapReduceOptions options;
    options.piece_bytes = piece;
    const JobResult<BigramCountJob> counts = run_text_job(BigramCountJob{}, source, options);
    EXPECT_EQ(counts.at("to be"), 3);
    EXPECT_EQ(counts.at("or not"), 1);
    EXPECT_EQ(counts.count("be that"), 0u) << "pairs do not cross lines";
    EXPECT_EQ(counts.size(), 8u);
  }
}

TEST(MapReduce, HistogramOfAColumn) {
  ColumnBuilder b(DataType::float64);
  for (int i = 0; i < 10; ++i) b.append_float64(i);
  b.append_null();
  const Table t({"x"}, {b.finish()});
  for (int64_t piece : {1, 3, 65536}) {
    MapReduceOptions options;
    options.piece_rows = piece;
    const Table h = histogram(t, "x", 5, options);
    ASSERT_EQ(h.num_rows(), 5);
    for (int64_t r = 0; r < 5; ++r) EXPECT_EQ(h.column("count").value<int64_t>(r), 2) << "bucket " << r;
    EXPECT_EQ(h.column("lower").value<double>(1), 1.8);
    EXPECT_EQ(h.column("upper").value<double>(4), 9.0) << "the maximum falls into the last bucket";
  }
  EXPECT_THROW(histogram(t, "x", 0), ConfigError);
}

TEST(MapReduce, KMeansFindsSeparatedClusters) {
  // Three blobs of integer points around (0, 0), (100, 0) and (0, 100): sums are exact, so the
  // answer is the same for any piece size.
  ColumnBuilder xs(DataType::int32), ys(DataType::int32);
  const int centers[3][2] = {{0, 0}, {100, 0}, {0, 100}};
  for (int i = 0; i < 300; ++i) {
    const int c = i % 3, dx = (i * 7) % 5 - 2, dy = (i * 11) % 5 - 2;
    xs.append_int32(centers[c][0] + dx);
    ys.append_int32(centers[c][1] + dy);
  }
  const Table t({"x", "y"}, {xs.finish(), ys.finish()});
  std::vector<std::vector<double>> answers;
  for (int64_t piece : {7, 65536}) {
    KMeansOptions options;
    options.k = 3;
    options.seed = 1;
    options.run.piece_rows = piece;
    const KMeansResult r = k_means(t, {"x", "y"}, options);
    ASSERT_EQ(r.centroids.num_rows(), 3);
    std::vector<double> flat;
    for (int64_t c = 0; c < 3; ++c) {
      EXPECT_EQ(r.centroids.column("size").value<int64_t>(c), 100);
      flat.push_back(r.centroids.column("x").value<double>(c));
      flat.push_back(r.centroids.column("y").value<double>(c));
    }
    std::vector<std::pair<double, double>> sorted;
    for (size_t i = 0; i < flat.size(); i += 2) sorted.emplace_back(flat[i], flat[i + 1]);
    std::sort(sorted.begin(), sorted.end());
    EXPECT_NEAR(sorted[0].first, 0, 1.0);
    EXPECT_NEAR(sorted[1].second, 100, 1.0);  // (0, 100) sorts between (0, 0) and (100, 0)
    EXPECT_NEAR(sorted[2].first, 100, 1.0);
    answers.push_back(flat);
  }
  EXPECT_EQ(answers[0], answers[1]);
  KMeansOptions no_clusters;
  no_clusters.k = 0;
  EXPECT_THROW(k_means(t, {"x"}, no_clusters), ConfigError);
}

}  // namespace
}  // namespace nimbus::analytics::mapreduce
