package sim

// The tables below shape what incidents look like. Proportions are rough but
// plausible for a Chinese city: 110 is the police line (traffic, theft, disputes),
// 12345 the citizen service hotline (noise, environment, complaints), grid the
// grid workers' own inspections, sensor the IoT feeds (traffic cameras, smoke and
// water-level sensors) and mediation the people's mediation committees.

var sources = []choice[string]{
	{"110", 35}, {"12345", 30}, {"grid", 20}, {"sensor", 10}, {"mediation", 5},
}

var categoriesBySource = map[string][]choice[string]{
	"110": {
		{"traffic", 30}, {"theft", 20}, {"dispute", 20}, {"public-order", 15},
		{"medical", 7}, {"fire", 5}, {"noise", 3},
	},
	"12345": {
		{"noise", 30}, {"environment", 25}, {"public-order", 15}, {"traffic", 15}, {"dispute", 15},
	},
	"grid": {
		{"environment", 35}, {"public-order", 30}, {"dispute", 15}, {"noise", 10}, {"traffic", 10},
	},
	"sensor": {
		{"traffic", 45}, {"environment", 35}, {"fire", 20},
	},
	"mediation": {
		{"dispute", 85}, {"noise", 15},
	},
}

// severityByCategory keeps most incidents at 1–2 and severity 4 rare (about 2%
// overall); fires and medical emergencies skew higher, noise almost never matters.
var severityByCategory = map[string][]choice[int]{
	"fire":         {{1, 15}, {2, 45}, {3, 30}, {4, 10}},
	"medical":      {{1, 20}, {2, 45}, {3, 27}, {4, 8}},
	"theft":        {{1, 45}, {2, 42}, {3, 11}, {4, 2}},
	"traffic":      {{1, 50}, {2, 36}, {3, 11}, {4, 3}},
	"public-order": {{1, 50}, {2, 38}, {3, 10}, {4, 2}},
	"dispute":      {{1, 60}, {2, 32}, {3, 7}, {4, 1}},
	"noise":        {{1, 78}, {2, 20}, {3, 2}},
	"environment":  {{1, 68}, {2, 27}, {3, 4.5}, {4, 0.5}},
}

var titles = map[string][]string{
	"traffic":      {"交通事故", "道路拥堵", "车辆违停", "信号灯故障", "两车剐蹭"},
	"theft":        {"电动车被盗", "入室盗窃", "扒窃", "车内财物被盗"},
	"noise":        {"施工噪音扰民", "夜间噪音", "广场舞噪音", "商铺音响扰民"},
	"dispute":      {"邻里纠纷", "劳资纠纷", "物业纠纷", "消费纠纷", "家庭纠纷"},
	"fire":         {"火情报警", "电动车起火", "厨房起火", "烟感报警"},
	"medical":      {"突发疾病", "老人摔倒", "急救求助"},
	"environment":  {"垃圾堆放", "污水排放", "道路积水", "油烟扰民", "河道漂浮物"},
	"public-order": {"聚众滋事", "占道经营", "醉酒滋事", "违规搭建"},
}

var roads = []string{
	"人民路", "干将路", "东环路", "长江路", "中山路", "解放路", "建设路",
	"新华路", "金鸡湖大道", "星湖街", "苏州大道", "太湖路", "友谊路", "青年路",
}
