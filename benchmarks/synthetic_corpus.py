"""A synthetic corpus of conference reports, from templates written for graphbuild.

Posts look like the ones graphbuild is for: a title naming an event, an introduction by
the writer, sessions with a title line, a speaker line and paragraphs where companies use
AWS services and other technologies (and sometimes decide against one), and a closing
section.  Names of companies and people are invented; the services are real names from
graphbuild's vocabulary.  The same seed gives the same corpus.

    python benchmarks/synthetic_corpus.py OUT_DIR --posts 100
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

EVENTS = ["AWS Summit Tokyo", "AWS Summit Osaka", "AWS re:Invent", "JAWS DAYS", "Serverless Days Tokyo",
          "Cloud Native Days Tokyo", "Developers Summit", "Container Days"]
SERVICES = ["AWS Lambda", "Amazon ECS", "AWS Fargate", "Amazon EKS", "Amazon S3", "Amazon DynamoDB", "Amazon Aurora",
            "Amazon RDS", "Amazon Kinesis", "Amazon SQS", "Amazon SNS", "AWS Step Functions", "Amazon API Gateway",
            "AWS AppSync", "Amazon CloudFront", "Amazon CloudWatch", "AWS X-Ray", "AWS App Mesh", "Amazon Athena",
            "AWS Glue", "Amazon Redshift", "Amazon SageMaker", "AWS CodePipeline", "AWS CodeBuild", "Amazon ECR",
            "AWS CloudFormation", "AWS CDK", "Amazon EventBridge", "Amazon ElastiCache", "AWS IAM", "Amazon Cognito",
            "AWS Batch", "Amazon EMR", "Amazon OpenSearch Service", "AWS Systems Manager", "Amazon Pinpoint"]
TECHNOLOGIES = ["Kubernetes", "Terraform", "Docker", "Go", "Python", "TypeScript", "React", "Rails", "Envoy",
                "Prometheus", "Grafana", "Datadog", "GitHub Actions", "Jenkins", "Kafka", "Spark", "Redis",
                "PostgreSQL", "MySQL", "GraphQL", "OpenTelemetry", "Istio"]
COMPANY_STEMS = ["みなと", "あおば", "さくら", "ひばり", "こだま", "つばさ", "ほしぞら", "はやて", "かえで", "いろは",
                 "Kumo", "Nagare", "Hoshi", "Tsumiki", "Mirai", "Kibou", "Sora", "Umi"]
COMPANY_KINDS = ["物流", "製薬", "銀行", "証券", "メディア", "ゲームス", "システムズ", "ラボ", "テクノロジーズ", "商事",
                 "トラベル", "ヘルスケア"]
FAMILY = ["佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤", "吉田", "山田", "松本", "井上"]
GIVEN = ["健太", "翔太", "陽子", "美咲", "大輔", "直樹", "恵", "拓也", "由美", "浩二", "真由美", "亮", "智子", "誠"]
ROLES = ["SRE", "ソリューションアーキテクト", "テックリード", "インフラエンジニア", "CTO", "バックエンドエンジニア",
         "データエンジニア", "エンジニアリングマネージャー"]
TOPICS = ["決済基盤", "配信基盤", "データ分析基盤", "認証基盤", "検索システム", "社内向けAPI", "機械学習の推論環境",
          "ログ収集の仕組み", "モバイルアプリのバックエンド", "バッチ処理"]
TITLE_FORMS = ["{svc}で作る{topic}の舞台裏", "{company}における{svc}活用の実際", "{topic}を{svc}に移行した話",
               "{svc}と{tech}で支える{topic}", "ゼロから始める{topic}: {svc}入門", "{topic}の運用を楽にするための{svc}"]
USE_FORMS = ["{company}では{a}と{b}を組み合わせて{topic}を運用しています。",
             "{company}は{topic}の基盤として{a}を採用しました。",
             "以前は{tech}で構築していましたが、運用の負荷が高かったため{a}に移行したそうです。",
             "{a}を本番環境で利用しており、ピーク時でも安定して動いているとのことでした。",
             "監視には{b}を使い、異常があればすぐに気づけるようにしているそうです。"]
NOT_USED_FORMS = ["{a}も検討したものの、今回は使わずに済ませたとのことです。",
                  "{a}ではなく{tech}を選んだ理由についても説明がありました。"]
PROSE = ["発表では構成図を交えながら、段階的にシステムを組み替えていった過程が紹介されました。",
         "質疑応答では、コストの見積もり方について会場から質問が出ていました。",
         "障害が起きたときの切り分け手順が具体的で、すぐにでも真似できそうだと感じました。",
         "チームの体制づくりや、レビューの進め方についても時間が割かれていました。",
         "性能試験の結果も共有され、想定していたよりも少ないリソースで済んだそうです。",
         "移行は一度に行わず、影響の小さい機能から順番に切り替えたとのことでした。"]


def company(rng: random.Random) -> str:
    return f"株式会社{rng.choice(COMPANY_STEMS)}{rng.choice(COMPANY_KINDS)}"


def person(rng: random.Random) -> str:
    return f"{rng.choice(FAMILY)} {rng.choice(GIVEN)}"


def post(rng: random.Random, n: int, sessions: int) -> str:
    """One report of `sessions` talks at a random event."""
    event = f"{rng.choice(EVENTS)} {rng.randint(2016, 2025)}"
    writer_company, writer = company(rng), person(rng)
    lines = [f"{event} 参加レポート その{n}", "",
             f"こんにちは、{writer_company}の{writer}です。{event}に参加してきたので、聞いたセッションをまとめます。", ""]
    for _ in range(sessions):
        org, svc, tech, topic = company(rng), rng.choice(SERVICES), rng.choice(TECHNOLOGIES), rng.choice(TOPICS)
        title = rng.choice(TITLE_FORMS).format(svc=svc, company=org.removeprefix("株式会社"), topic=topic, tech=tech)
        lines += [title, f"{org} {rng.choice(ROLES)} {person(rng)}さん", ""]
        for _ in range(rng.randint(3, 6)):
            a, b = rng.sample(SERVICES, 2)
            form = rng.choice(NOT_USED_FORMS) if rng.random() < 0.15 else rng.choice(USE_FORMS)
            lines.append(form.format(company=org.removeprefix("株式会社"), a=a, b=b, tech=rng.choice(TECHNOLOGIES),
                                     topic=topic) + rng.choice(PROSE))
        lines.append("")
    lines += ["まとめ", f"今回の{event}では{rng.choice(SERVICES)}に関する発表が特に多い印象でした。次回も参加したいと思います。"]
    return "\n".join(lines) + "\n"


def write_corpus(directory: str | Path, posts: int, seed: int = 0, sessions: tuple[int, int] = (3, 6)) -> list[Path]:
    """Write `posts` posts to `directory` as post-00000.txt, ...; returns their paths."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    paths = []
    for n in range(posts):
        path = directory / f"post-{n:05d}.txt"
        path.write_text(post(rng, n, rng.randint(*sessions)), encoding="utf-8")
        paths.append(path)
    return paths


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--posts", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    paths = write_corpus(args.out, args.posts, args.seed)
    print(f"{len(paths)} posts, {sum(p.stat().st_size for p in paths):,} bytes -> {args.out}")
